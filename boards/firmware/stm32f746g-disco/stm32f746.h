/* The STM32F746 registers this firmware uses, written from RM0385 (STM32F75xxx/STM32F74xxx
 * reference manual), register maps at the end of each chapter. Only what the harness needs; no vendor header. */
#ifndef FW_STM32F746_H
#define FW_STM32F746_H

#include "armv7m.h"

/* ---- RCC, 0x40023800 ("Reset and clock control") ---- */
#define RCC_BASE 0x40023800u
#define RCC_CR FW_REG32(RCC_BASE + 0x00u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR FW_REG32(RCC_BASE + 0x04u)
#define RCC_PLLCFGR_PLLM(m) ((uint32_t)(m) << 0)          /* 2..63: VCO input = source / M */
#define RCC_PLLCFGR_PLLN(n) ((uint32_t)(n) << 6)          /* 50..432: VCO = input x N */
#define RCC_PLLCFGR_PLLP_DIV2 (0u << 16)                  /* SYSCLK = VCO / 2 */
#define RCC_PLLCFGR_PLLSRC_HSE (1u << 22)
#define RCC_PLLCFGR_PLLQ(q) ((uint32_t)(q) << 24)         /* 2..15: 48 MHz clock = VCO / Q */
#define RCC_PLLCFGR_FIELDS 0x0F437FFFu                    /* M, N, P, SRC, Q; the rest is reserved */
#define RCC_CFGR FW_REG32(RCC_BASE + 0x08u)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)                    /* AHB prescaler: 0xxx = /1 */
#define RCC_CFGR_PPRE1_MASK (7u << 10)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)                    /* APB1 <= 54 MHz */
#define RCC_CFGR_PPRE2_MASK (7u << 13)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)                    /* APB2 <= 108 MHz */
#define RCC_AHB1ENR FW_REG32(RCC_BASE + 0x30u)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOBEN (1u << 1)
#define RCC_AHB2ENR FW_REG32(RCC_BASE + 0x34u)
#define RCC_AHB2ENR_RNGEN (1u << 6)
#define RCC_APB1ENR FW_REG32(RCC_BASE + 0x40u)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR FW_REG32(RCC_BASE + 0x44u)
#define RCC_APB2ENR_USART1EN (1u << 4)
#define RCC_DCKCFGR2 FW_REG32(RCC_BASE + 0x90u)
#define RCC_DCKCFGR2_USART1SEL_MASK (3u << 0)             /* 00 = PCLK2 */
#define RCC_DCKCFGR2_CK48MSEL (1u << 27)                  /* 0 = the main PLL's Q output */

/* ---- PWR, 0x40007000 ("Power controller") ---- */
#define PWR_BASE 0x40007000u
#define PWR_CR1 FW_REG32(PWR_BASE + 0x00u)
#define PWR_CR1_VOS_MASK (3u << 14)
#define PWR_CR1_VOS_SCALE1 (3u << 14)
#define PWR_CR1_ODEN (1u << 16)
#define PWR_CR1_ODSWEN (1u << 17)
#define PWR_CSR1 FW_REG32(PWR_BASE + 0x04u)
#define PWR_CSR1_VOSRDY (1u << 14)
#define PWR_CSR1_ODRDY (1u << 16)
#define PWR_CSR1_ODSWRDY (1u << 17)

/* ---- Flash interface, 0x40023C00 ("Embedded flash memory") ---- */
#define FLASH_ACR FW_REG32(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK (0xFu << 0)
#define FLASH_ACR_LATENCY(ws) ((uint32_t)(ws) << 0)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ARTEN (1u << 9)
#define FLASH_ACR_ARTRST (1u << 11)

/* ---- GPIO, A at 0x40020000, B at 0x40020400 ("General-purpose I/Os") ---- */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIO_MODER(base) FW_REG32((base) + 0x00u)         /* 2 bits per pin: 10 = alternate function */
#define GPIO_OTYPER(base) FW_REG32((base) + 0x04u)
#define GPIO_OSPEEDR(base) FW_REG32((base) + 0x08u)       /* 2 bits per pin: 10 = high speed */
#define GPIO_PUPDR(base) FW_REG32((base) + 0x0Cu)         /* 2 bits per pin: 01 = pull-up */
#define GPIO_AFRL(base) FW_REG32((base) + 0x20u)          /* 4 bits per pin, pins 0-7 */
#define GPIO_AFRH(base) FW_REG32((base) + 0x24u)          /* 4 bits per pin, pins 8-15 */
#define GPIO_MODE_AF 2u
#define GPIO_SPEED_HIGH 2u
#define GPIO_PULL_UP 1u
#define GPIO_AF7_USART1 7u

/* ---- USART1, 0x40011000 on APB2 ("USART") ---- */
#define USART1_BASE 0x40011000u
#define USART1_CR1 FW_REG32(USART1_BASE + 0x00u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART1_CR2 FW_REG32(USART1_BASE + 0x04u)
#define USART1_CR3 FW_REG32(USART1_BASE + 0x08u)
#define USART1_BRR FW_REG32(USART1_BASE + 0x0Cu)          /* oversampling by 16: BRR = f_ck / baud */
#define USART1_ISR FW_REG32(USART1_BASE + 0x1Cu)
#define USART_ISR_PE (1u << 0)
#define USART_ISR_FE (1u << 1)
#define USART_ISR_NF (1u << 2)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TC (1u << 6)
#define USART_ISR_TXE (1u << 7)
#define USART_ISR_TEACK (1u << 21)
#define USART_ISR_REACK (1u << 22)
#define USART1_ICR FW_REG32(USART1_BASE + 0x20u)
#define USART_ICR_PECF (1u << 0)
#define USART_ICR_FECF (1u << 1)
#define USART_ICR_NCF (1u << 2)
#define USART_ICR_ORECF (1u << 3)
#define USART1_RDR FW_REG32(USART1_BASE + 0x24u)
#define USART1_TDR FW_REG32(USART1_BASE + 0x28u)
#define USART1_IRQN 37u                                   /* position 37 in the vector table ("NVIC") */

/* ---- RNG, 0x50060800 on AHB2 ("Random number generator") ---- */
#define RNG_BASE 0x50060800u
#define RNG_CR FW_REG32(RNG_BASE + 0x00u)
#define RNG_CR_RNGEN (1u << 2)
#define RNG_SR FW_REG32(RNG_BASE + 0x04u)
#define RNG_SR_DRDY (1u << 0)
#define RNG_SR_CECS (1u << 1)
#define RNG_SR_SECS (1u << 2)
#define RNG_DR FW_REG32(RNG_BASE + 0x08u)

#define F746_IRQ_COUNT 98u                                /* positions 0-97: a 0x1C8-byte vector table */

#endif
