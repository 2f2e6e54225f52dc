/* STM32F746: the vector table and the reset handler.
 *
 * The vector table sits at 0x08000000 (the linker's .vectors): 16 Cortex-M7 system entries and
 * the F746's 98 interrupt positions (RM0385, "NVIC"), 0x1C8 bytes, ending before the harness info
 * block at 0x08000200. Three are used: USART1 (received bytes into the RX ring), PendSV (the ring
 * into the harness) and SysTick (wakes the idle loop's WFI). Everything else stops in fw_default_handler. */
#include <stdint.h>
#include "board.h"
#include "stm32f746.h"

extern uint32_t __stack_top[];
void fw_reset_handler(void);
void fw_reset_c(void) __attribute__((noreturn, used));
void fw_usart1_irq(void);
void fw_pendsv(void);
void fw_systick(void);

typedef union {
    void (*handler)(void);
    uint32_t *stack;
} fw_vector;

#define DEFAULT { .handler = fw_default_handler }
#define IRQ(n) (16u + (n))

__attribute__((section(".vectors"), used))
const fw_vector fw_vectors[16u + F746_IRQ_COUNT] = {
    [0] = { .stack = __stack_top },
    [1] = { .handler = fw_reset_handler },
    [2] = DEFAULT,                      /* NMI */
    [3] = DEFAULT,                      /* HardFault */
    [4] = DEFAULT,                      /* MemManage */
    [5] = DEFAULT,                      /* BusFault */
    [6] = DEFAULT,                      /* UsageFault */
    [11] = DEFAULT,                     /* SVCall */
    [12] = DEFAULT,                     /* DebugMonitor */
    [14] = { .handler = fw_pendsv },    /* PendSV: drains the RX ring into the harness */
    [15] = { .handler = fw_systick },   /* SysTick: wakes board_idle's WFI every millisecond */
    [IRQ(0) ... IRQ(USART1_IRQN) - 1u] = DEFAULT,
    [IRQ(USART1_IRQN)] = { .handler = fw_usart1_irq },
    [IRQ(USART1_IRQN) + 1u ... IRQ(F746_IRQ_COUNT) - 1u] = DEFAULT,
};

/* The first instructions: interrupts off, the main stack from the vector table's own value (so a
 * debugger that only set PC still gets the right stack), thread mode on MSP, then C. */
__attribute__((naked, noreturn)) void fw_reset_handler(void) {
    __asm__ volatile(
        "cpsid i            \n"
        "ldr r0, =__stack_top \n"
        "msr msp, r0        \n"
        "movs r0, #0        \n"
        "msr control, r0    \n"
        "isb                \n"
        "b fw_reset_c       \n");
}

void fw_reset_c(void) {
    SCB_VTOR = (uint32_t)(uintptr_t)fw_vectors;
    /* The FPU (CP10, CP11 full access) before any code that might use its registers. */
    SCB_CPACR |= SCB_CPACR_FPU_FULL;
    fw_dsb();
    fw_isb();
    fw_c_runtime_start();
}
