/* Blinks LD1 (PI1) on the STM32F746G-DISCO: the smallest real firmware to flash with hil.
 * Runs from reset on the 16 MHz HSI; registers from RM0385 (RCC section 5, GPIO section 6). */
#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR  REG(0x40023830u)
#define GPIOI_MODER  REG(0x40022000u)
#define GPIOI_BSRR   REG(0x40022018u)
#define RCC_AHB1ENR_GPIOIEN (1u << 8)
#define LED_PIN 1u

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void reset_handler(void);
void default_handler(void);

/* Kept in .data so the image has an initialised-data segment loaded from flash (LMA != VMA). */
volatile uint32_t blink_half_period = 800000u;
/* Shown by `strings` on the image: which firmware this is. */
const char firmware_id[] = "hil example: blinky for stm32f746g-disco";

__attribute__((section(".isr_vector"), used))
const void *vector_table[16] = {
    &_estack, reset_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler,
    0, 0, 0, 0,
    default_handler, default_handler, 0, default_handler, default_handler,
};

static void delay(uint32_t n) { while (n--) __asm__ volatile("nop"); }

int main(void) {
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOIEN;
    (void)RCC_AHB1ENR;                                   /* let the clock enable settle */
    GPIOI_MODER = (GPIOI_MODER & ~(3u << (2 * LED_PIN))) | (1u << (2 * LED_PIN));
    for (;;) {
        GPIOI_BSRR = 1u << LED_PIN;
        delay(blink_half_period);
        GPIOI_BSRR = 1u << (LED_PIN + 16);
        delay(blink_half_period);
    }
}

void reset_handler(void) {
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata) *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    main();
    for (;;) {}
}

void default_handler(void) { for (;;) {} }
