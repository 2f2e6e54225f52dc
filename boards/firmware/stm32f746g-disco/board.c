/* STM32F746G-DISCO: clocks, caches, USART1 on the ST-LINK's virtual COM port, the DWT cycle
 * counter and the RNG, for the shared harness main loop (common/main.c).
 *
 * Clock tree (RM0385, "Reset and clock control"):
 *   HSE 25 MHz crystal -> /M=25 -> 1 MHz -> xN=432 -> VCO 432 MHz
 *     -> /P=2 -> SYSCLK 216 MHz = HCLK (AHB /1) = core clock, counted by the DWT
 *     -> /Q=9 -> 48 MHz for the RNG
 *   APB1 /4 = 54 MHz, APB2 /2 = 108 MHz = PCLK2 -> USART1 kernel clock
 *   Voltage scale 1 with over-drive on (needed above 180 MHz); 7 flash wait states (2.7-3.6 V,
 *   HCLK 210-216 MHz), ART accelerator and prefetch on. If the HSE does not start, the same PLL
 *   runs from the 16 MHz HSI with M=16 (fw_clock_from_hse says which).
 *
 * UART: USART1, TX PA9 / RX PB7, alternate function 7; 8N1, oversampling by 16, BRR = 108 MHz /
 * baud; rates whose error exceeds 3 % are refused. RX: the RXNE interrupt (highest priority) puts
 * each byte into the RX ring and pends PendSV (lowest priority), which hands the ring to
 * hil_harness_receive; so the USART, which has no FIFO, is read within a few cycles even while
 * the harness decodes a frame end. TX: polled, and only from the main loop between inferences.
 *
 * Cycles: DWT_CYCCNT, widened to 64 bits, minus the cycles spent inside the two RX handlers
 * (each reads DWT_CYCCNT on entry and exit). While one input is inferred the next one streams in
 * (double buffering), and at 2 Mbaud the handlers would otherwise add roughly a tenth to the
 * inference's count; what remains is the exception entry and exit (about a dozen cycles each way
 * on a Cortex-M7) and the handlers' effect on the caches. */
#include <stdint.h>
#include "board.h"
#include "hil_harness.h"
#include "rx_ring.h"
#include "stm32f746.h"

#define SYSCLK_HZ 216000000u
/* What USART1's divider is computed from. Overridable (EXTRA_CFLAGS=-DPCLK2_HZ=…) only so that
 * Tests/FirmwareTests can build the classic bug, a BRR for the wrong clock, and see it caught. */
#ifndef PCLK2_HZ
#define PCLK2_HZ 108000000u
#endif
#define BOOT_BAUD 115200u
#define MAX_BAUD 2000000u
#define BAUD_TOLERANCE_PERMILLE 30u     /* 3 % */
#define HSE_TIMEOUT_SPINS 400000u       /* > 100 ms at the 16 MHz HSI; the crystal needs ~2 ms */

/* For a debugger. */
volatile uint32_t fw_clock_from_hse;    /* 1: PLL from the 25 MHz crystal; 0: fell back to the HSI */
volatile uint32_t fw_uart_overruns;     /* bytes the USART lost (ORE) */
volatile uint32_t fw_uart_line_errors;  /* framing, noise and parity flags seen */

static void wait_set(volatile uint32_t *reg, uint32_t mask) { while ((*reg & mask) == 0u) {} }
static void wait_clear(volatile uint32_t *reg, uint32_t mask) { while ((*reg & mask) != 0u) {} }

static void clocks_init(void) {
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;                                  /* the enable takes effect before PWR is written */

    /* Start from a known state: on the HSI, PLL off (a debugger may have left the PLL running). */
    RCC_CR |= RCC_CR_HSION;
    wait_set(&RCC_CR, RCC_CR_HSIRDY);
    RCC_CFGR &= ~RCC_CFGR_SW_MASK;
    wait_clear(&RCC_CFGR, RCC_CFGR_SWS_MASK);
    RCC_CR &= ~RCC_CR_PLLON;
    wait_clear(&RCC_CR, RCC_CR_PLLRDY);

    /* Voltage scale 1 (takes effect when the PLL runs). */
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_SCALE1;

    RCC_CR = (RCC_CR & ~RCC_CR_HSEBYP) | RCC_CR_HSEON;  /* a crystal, not an external clock */
    uint32_t hse = 0;
    for (uint32_t i = 0; i < HSE_TIMEOUT_SPINS; i++) {
        if (RCC_CR & RCC_CR_HSERDY) { hse = 1; break; }
    }
    fw_clock_from_hse = hse;

    uint32_t pll = RCC_PLLCFGR_PLLN(432) | RCC_PLLCFGR_PLLP_DIV2 | RCC_PLLCFGR_PLLQ(9);
    pll |= hse ? (RCC_PLLCFGR_PLLM(25) | RCC_PLLCFGR_PLLSRC_HSE) : RCC_PLLCFGR_PLLM(16);
    RCC_PLLCFGR = (RCC_PLLCFGR & ~RCC_PLLCFGR_FIELDS) | pll;
    RCC_CR |= RCC_CR_PLLON;

    /* Over-drive (RM0385, "Entering Over-drive mode"): with the PLL on, ODEN then ODSWEN. */
    PWR_CR1 |= PWR_CR1_ODEN;
    wait_set(&PWR_CSR1, PWR_CSR1_ODRDY);
    PWR_CR1 |= PWR_CR1_ODSWEN;
    wait_set(&PWR_CSR1, PWR_CSR1_ODSWRDY);

    /* Flash: 7 wait states before the clock goes up; reset the ART cache, then ART + prefetch. */
    uint32_t acr = FLASH_ACR & ~FLASH_ACR_ARTEN;
    FLASH_ACR = acr;
    FLASH_ACR = acr | FLASH_ACR_ARTRST;
    FLASH_ACR = acr;
    FLASH_ACR = (acr & ~FLASH_ACR_LATENCY_MASK) | FLASH_ACR_LATENCY(7) | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_ACR_LATENCY(7)) {}

    /* AHB /1, APB1 /4 (54 MHz), APB2 /2 (108 MHz). */
    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK))
             | RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;

    wait_set(&RCC_CR, RCC_CR_PLLRDY);
    wait_set(&PWR_CSR1, PWR_CSR1_VOSRDY);
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {}

    /* USART1 from PCLK2, the 48 MHz domain from the main PLL's Q output. */
    RCC_DCKCFGR2 &= ~(RCC_DCKCFGR2_USART1SEL_MASK | RCC_DCKCFGR2_CK48MSEL);
}

/* The ARMv7-M cache maintenance operations, in the order the Cortex-M7 needs them at start-up:
 * invalidate (I-cache all at once, D-cache every set and way), then enable. */
static void caches_init(void) {
    if (!(SCB_CCR & SCB_CCR_IC)) {
        fw_dsb();
        fw_isb();
        SCB_ICIALLU = 0u;
        fw_dsb();
        fw_isb();
        SCB_CCR |= SCB_CCR_IC;
        fw_dsb();
        fw_isb();
    }
    if (!(SCB_CCR & SCB_CCR_DC)) {      /* already on (a warm start): nothing to invalidate safely */
        SCB_CSSELR = 0u;                /* level 1, data */
        fw_dsb();
        uint32_t ccsidr = SCB_CCSIDR;
        uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
        uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
        uint32_t line_shift = (ccsidr & 7u) + 4u;   /* log2 of the line's bytes */
        uint32_t way_shift = ways > 1u ? (uint32_t)__builtin_clz(ways - 1u) : 0u;
        for (uint32_t set = 0; set < sets; set++)
            for (uint32_t way = 0; way < ways; way++)
                SCB_DCISW = (way << way_shift) | (set << line_shift);
        fw_dsb();
        SCB_CCR |= SCB_CCR_DC;
        fw_dsb();
        fw_isb();
    }
}

/* ---- DWT cycle counter ---- */

static void dwt_init(void) {
    DEMCR |= DEMCR_TRCENA;
    DWT_LAR = DWT_LAR_KEY;              /* the M7's DWT ignores writes until unlocked */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

/* Set by PendSV when it handed bytes to the harness: the main loop has work again. */
static volatile uint32_t rx_activity;

/* Cycles spent inside the RX handlers, each written by its own handler only (wrapping at 2^32;
 * only differences are used). PendSV's excludes the USART interrupts that preempted it. */
static volatile uint32_t usart_handler_cycles;
static volatile uint32_t pendsv_handler_cycles;

static uint32_t cycles_last;
static uint64_t cycles_total;

/* Main-loop cycles: DWT_CYCCNT (32 bits, 19.9 s at 216 MHz) less the handlers' cycles, widened to
 * 64 bits by adding the difference since the previous call. Called from the main loop only (around
 * each inference, and by the harness's baud-revert timer), so any inference shorter than 2^32
 * cycles is measured right. */
uint64_t board_cycles(void *ctx) {
    (void)ctx;
    uint32_t primask = fw_primask();
    fw_irq_disable();
    uint32_t now = DWT_CYCCNT - usart_handler_cycles - pendsv_handler_cycles;
    fw_set_primask(primask);
    cycles_total += (uint32_t)(now - cycles_last);
    cycles_last = now;
    return cycles_total;
}

/* ---- USART1 ---- */

static void gpio_af7(uint32_t base, uint32_t pin, uint32_t pull) {
    uint32_t two = 2u * pin;
    GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << two)) | (GPIO_MODE_AF << two);
    GPIO_OTYPER(base) &= ~(1u << pin);
    GPIO_OSPEEDR(base) = (GPIO_OSPEEDR(base) & ~(3u << two)) | (GPIO_SPEED_HIGH << two);
    GPIO_PUPDR(base) = (GPIO_PUPDR(base) & ~(3u << two)) | (pull << two);
    if (pin < 8u) {
        GPIO_AFRL(base) = (GPIO_AFRL(base) & ~(0xFu << (4u * pin))) | (GPIO_AF7_USART1 << (4u * pin));
    } else {
        uint32_t p = pin - 8u;
        GPIO_AFRH(base) = (GPIO_AFRH(base) & ~(0xFu << (4u * p))) | (GPIO_AF7_USART1 << (4u * p));
    }
}

/* BRR for `baud` (oversampling by 16), or 0 when the divider cannot make it within 3 %. */
static uint32_t usart_brr(uint32_t baud) {
    if (baud == 0u) return 0u;
    uint32_t div = (PCLK2_HZ + baud / 2u) / baud;
    if (div < 16u || div > 0xFFFFu) return 0u;
    uint32_t actual = PCLK2_HZ / div;
    uint32_t error = actual > baud ? actual - baud : baud - actual;
    if ((uint64_t)error * 1000u > (uint64_t)baud * BAUD_TOLERANCE_PERMILLE) return 0u;
    return div;
}

static void usart_init(void) {
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN | RCC_AHB1ENR_GPIOBEN;
    (void)RCC_AHB1ENR;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;
    gpio_af7(GPIOA_BASE, 9u, 0u);               /* TX, push-pull */
    gpio_af7(GPIOB_BASE, 7u, GPIO_PULL_UP);     /* RX, idle high if the ST-LINK is not driving it */
    USART1_CR1 = 0u;
    USART1_CR2 = 0u;                            /* 1 stop bit */
    USART1_CR3 = 0u;                            /* no flow control; overrun detection on */
    USART1_BRR = usart_brr(BOOT_BAUD);
    USART1_CR1 = USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
    wait_set(&USART1_ISR, USART_ISR_TEACK);
    wait_set(&USART1_ISR, USART_ISR_REACK);
}

void board_write(void *ctx, const uint8_t *data, size_t len) {
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        while (!(USART1_ISR & USART_ISR_TXE)) {}
        USART1_TDR = data[i];
    }
}

int board_set_baud(void *ctx, uint32_t baud) {
    (void)ctx;
    uint32_t brr = usart_brr(baud);
    if (brr == 0u) return -1;
    wait_set(&USART1_ISR, USART_ISR_TC);        /* the BAUD_ACK has left the shift register */
    uint32_t cr1 = USART1_CR1;
    USART1_CR1 = cr1 & ~USART_CR1_UE;           /* BRR can only be written with the USART off */
    USART1_BRR = brr;
    USART1_CR1 = cr1 | USART_CR1_UE;
    return 0;
}

void fw_usart1_irq(void) {
    uint32_t entered = DWT_CYCCNT;
    uint32_t isr = USART1_ISR;
    uint32_t errors = isr & (USART_ISR_ORE | USART_ISR_FE | USART_ISR_NF | USART_ISR_PE);
    if (errors) {
        USART1_ICR = USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NCF | USART_ICR_PECF;
        if (errors & USART_ISR_ORE) fw_uart_overruns = fw_uart_overruns + 1u;
        if (errors & ~USART_ISR_ORE) fw_uart_line_errors = fw_uart_line_errors + 1u;
    }
    if (isr & USART_ISR_RXNE) {
        fw_rx_ring_put(&fw_rx, (uint8_t)USART1_RDR);
        SCB_ICSR = SCB_ICSR_PENDSVSET;
    }
    usart_handler_cycles = usart_handler_cycles + (DWT_CYCCNT - entered);
}

void fw_pendsv(void) {
    /* Each pair of reads without a USART interrupt between them (PRIMASK was clear, or PendSV
     * would not be running). */
    fw_irq_disable();
    uint32_t entered = DWT_CYCCNT, usart_before = usart_handler_cycles;
    fw_irq_enable();
    fw_rx_drain();
    rx_activity = 1u;
    fw_irq_disable();
    uint32_t spent = (DWT_CYCCNT - entered) - (usart_handler_cycles - usart_before);
    pendsv_handler_cycles = pendsv_handler_cycles + spent;
    fw_irq_enable();
}

void board_rx_start(void) {
    USART1_ICR = USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NCF | USART_ICR_PECF;
    (void)USART1_RDR;                           /* whatever arrived before the harness existed */
    SCB_SHPR3 = (SCB_SHPR3 & ~(0xFFu << 16)) | (FW_PRIO_LOWEST << 16);   /* PendSV */
    NVIC_IPR(USART1_IRQN) = FW_PRIO_HIGHEST;
    NVIC_ICPR(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u);
    NVIC_ISER(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u);
    USART1_CR1 |= USART_CR1_RXNEIE;
    fw_irq_enable();
}

void board_poll(void) {}

/* Nothing to do: sleep until an interrupt. With PRIMASK set, a byte that arrived after the harness
 * last looked (PendSV pending, or already run and flagged) keeps the core awake; WFI still wakes
 * on a pending interrupt and the handlers run once PRIMASK clears. SysTick (1 ms, counting only
 * while the core sleeps here, so no inference sees its interrupt) wakes the loop for the
 * harness's timers, such as the baud revert. */
void board_idle(void) {
    fw_irq_disable();
    if (!rx_activity) {
        SYST_RVR = SYSCLK_HZ / 1000u - 1u;
        SYST_CVR = 0u;
        SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
        fw_wfi();
        SYST_CSR = 0u;
        SCB_ICSR = SCB_ICSR_PENDSTCLR;
    }
    rx_activity = 0u;
    fw_irq_enable();
}

void fw_systick(void) {}

/* ---- RNG: the boot id ---- */

uint32_t board_boot_id(void) {
    RCC_AHB2ENR |= RCC_AHB2ENR_RNGEN;
    (void)RCC_AHB2ENR;
    RNG_CR = RNG_CR_RNGEN;
    uint32_t value = 0, words = 0;
    for (uint32_t i = 0; i < 100000u && words < 2u; i++) {
        uint32_t sr = RNG_SR;
        if (sr & (RNG_SR_SECS | RNG_SR_CECS)) break;   /* seed or clock error: fall back */
        if (sr & RNG_SR_DRDY) { value = RNG_DR; words++; }   /* the first word is discarded */
    }
    RNG_CR = 0u;
    if (words == 2u && value != 0u) return value;
    /* No RNG: the cycles spent since reset differ a little from boot to boot; mix them. */
    uint32_t x = DWT_CYCCNT ^ 0x9E3779B9u;
    x ^= x >> 16; x *= 0x85EBCA6Bu; x ^= x >> 13; x *= 0xC2B2AE35u; x ^= x >> 16;
    return x;
}

void board_init(fw_board_info *info) {
    clocks_init();
    caches_init();
    dwt_init();
    usart_init();
    info->core_clock_hz = SYSCLK_HZ;
    info->timer_kind = HIL_TIMER_DWT_CYCCNT;
    info->cache_flags = (uint8_t)(((SCB_CCR & SCB_CCR_IC) ? 1u : 0u) | ((SCB_CCR & SCB_CCR_DC) ? 2u : 0u) |
                                  ((FLASH_ACR & FLASH_ACR_ARTEN) ? 4u : 0u));
    info->boot_baud = BOOT_BAUD;
    info->max_baud = MAX_BAUD;
}
