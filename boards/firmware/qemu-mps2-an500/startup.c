/* QEMU mps2-an500: the vector table and the reset handler.
 *
 * The table sits at 0x00000000 (SSRAM1): 16 Cortex-M7 system entries and the 32 external
 * interrupts QEMU's mps2 wires up. Used: SysTick (widens the cycle count) and UART0 RX (only to
 * wake the core from WFI when idle; see board.c). A debugger that loads the ELF and sets SP and PC
 * from the first two words starts it exactly as a reset does. */
#include <stdint.h>
#include "board.h"
#include "cmsdk_uart.h"

extern uint32_t __stack_top[];
void fw_reset_handler(void);
void fw_reset_c(void) __attribute__((noreturn, used));
void fw_systick(void);
void fw_uart0_rx_irq(void);

typedef union {
    void (*handler)(void);
    uint32_t *stack;
} fw_vector;

#define DEFAULT { .handler = fw_default_handler }
#define IRQ(n) (16u + (n))

__attribute__((section(".vectors"), used))
const fw_vector fw_vectors[16u + MPS2_IRQ_COUNT] = {
    [0] = { .stack = __stack_top },
    [1] = { .handler = fw_reset_handler },
    [2] = DEFAULT,                      /* NMI */
    [3] = DEFAULT,                      /* HardFault */
    [4] = DEFAULT,                      /* MemManage */
    [5] = DEFAULT,                      /* BusFault */
    [6] = DEFAULT,                      /* UsageFault */
    [11] = DEFAULT,                     /* SVCall */
    [12] = DEFAULT,                     /* DebugMonitor */
    [14] = DEFAULT,                     /* PendSV: not used here */
    [15] = { .handler = fw_systick },   /* SysTick: counts wraps of the 24-bit counter */
    [IRQ(UART0_RX_IRQN)] = { .handler = fw_uart0_rx_irq },
    [IRQ(UART0_RX_IRQN) + 1u ... IRQ(MPS2_IRQ_COUNT) - 1u] = DEFAULT,
};

/* Interrupts off, the stack from the vector table's own value, thread mode on MSP, then C. */
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
    SCB_CPACR |= SCB_CPACR_FPU_FULL;
    fw_dsb();
    fw_isb();
    fw_c_runtime_start();
}
