/* QEMU mps2-an500 (Cortex-M7): UART0 and SysTick for the shared harness main loop.
 *
 * Time: SysTick on the processor clock. QEMU 7.2 clocks it at 25 MHz (the board's SYSCLK; the
 * external reference, CLKSOURCE=0, runs at 1 MHz), and under `-icount shift=0` one instruction is
 * one nanosecond of virtual time, so a SysTick tick is 40 instructions and
 * cycles / 25 000 000 = the virtual time in seconds (boards/firmware/README.md, "SysTick in QEMU").
 * The counter reloads every 2 500 000 ticks (100 ms; the reload is 24 bits); its interrupt counts
 * the periods and board_cycles joins the two into 64 bits. The interrupt costs a few instructions
 * ten times a virtual second, and also wakes the idle loop often enough for the harness's
 * 500 ms baud-revert timer.
 *
 * UART: CMSDK APB UART0, 8N1 (fixed), BAUDDIV = 25 MHz / baud (the rate matters only to a real
 * UART: QEMU passes bytes as fast as its character backend takes them). RX is POLLED from the
 * main loop, and also while TX waits for room: the UART holds one byte and QEMU delivers the next
 * only once the guest has read it, so a byte is never lost, and no receive interrupt ever lands
 * inside an inference, which keeps the SysTick count of an inference reproducible to within one
 * tick (40 instructions: where its start and end fall between tick edges). When the harness has
 * nothing to do, the core sleeps in WFI with interrupts masked and the UART's RX
 * interrupt enabled only as a wake-up source; it is masked again before the harness runs, so
 * QEMU does not spin a host core while the line is idle. */
#include <stdint.h>
#include "board.h"
#include "cmsdk_uart.h"
#include "hil_harness.h"
#include "rx_ring.h"

#define SYSTICK_HZ 25000000u            /* measured in QEMU 7.2: see above */
#define UART_PCLK_HZ 25000000u          /* QEMU's mps2 UART clock (SYSCLK) */
#define BOOT_BAUD 115200u
#define MAX_BAUD (UART_PCLK_HZ / 16u)   /* BAUDDIV >= 16: 1 562 500 */
#define BAUD_TOLERANCE_PERMILLE 30u
#define SYSTICK_RELOAD (SYSTICK_HZ / 10u - 1u)   /* 100 ms periods */
#define SYSTICK_PERIOD ((uint64_t)SYSTICK_RELOAD + 1u)
_Static_assert(SYSTICK_RELOAD <= SYST_MAX_RELOAD, "SysTick's reload is 24 bits");

/* ---- SysTick ---- */

static volatile uint32_t systick_wraps;
static uint64_t cycles_last;

void fw_systick(void) { systick_wraps = systick_wraps + 1u; }

static void systick_init(void) {
    SYST_CSR = 0u;
    SYST_RVR = SYSTICK_RELOAD;
    SYST_CVR = 0u;
    SCB_ICSR = SCB_ICSR_PENDSTCLR;
    SCB_SHPR3 = (SCB_SHPR3 & ~(0xFFu << 24)) | (FW_PRIO_HIGHEST << 24);
    systick_wraps = 0u;
    cycles_last = 0u;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

/* Ticks since systick_init, 64 bits. The counter counts R down to 0; reaching 0 pends the
 * interrupt that counts a wrap, then it reloads R. With interrupts masked: a wrap whose
 * interrupt is still pending is counted here, and the counter is read again after it. A read that
 * still comes out below the previous one can only have met a wrap QEMU had not signalled yet;
 * it is moved up by one period. Called from the main loop only. */
uint64_t board_cycles(void *ctx) {
    (void)ctx;
    uint32_t primask = fw_primask();
    fw_irq_disable();
    uint64_t wraps = systick_wraps;
    uint32_t value = SYST_CVR;
    if (SCB_ICSR & SCB_ICSR_PENDSTSET) {
        value = SYST_CVR;
        wraps++;
    }
    fw_set_primask(primask);
    uint64_t t;
    if (value != 0u) t = wraps * SYSTICK_PERIOD + (SYSTICK_RELOAD - value);
    else t = wraps ? wraps * SYSTICK_PERIOD - 1u : 0u;   /* 0 ends a period (or precedes the first) */
    if (t < cycles_last) t += SYSTICK_PERIOD;
    cycles_last = t;
    return t;
}

/* ---- Per-layer marks ---- */

/* SysTick counts at each layer boundary of the latest inference (hil_layer_mark: 0 before the
 * first layer, i + 1 after layer i). Read over GDB by firmware-benchmark, which finds them by
 * symbol; nothing on the wire carries them. Reading the counter costs a few dozen instructions
 * per layer, which the whole-inference figure includes. */
#define FW_LAYER_MARKS 65u
volatile uint64_t fw_layer_marks[FW_LAYER_MARKS];
volatile uint32_t fw_layer_mark_count;

void hil_layer_mark(uint16_t boundary) {
    if (boundary < FW_LAYER_MARKS) fw_layer_marks[boundary] = board_cycles(0);
    fw_layer_mark_count = (uint32_t)boundary + 1u;
}

/* ---- UART0 ---- */

static void uart_poll(void) {
    while (!fw_rx_ring_full(&fw_rx) && (UART_STATE(UART0_BASE) & UART_STATE_RXFULL))
        fw_rx_ring_put(&fw_rx, (uint8_t)UART_DATA(UART0_BASE));
}

static uint32_t uart_bauddiv(uint32_t baud) {
    if (baud == 0u) return 0u;
    uint32_t div = (UART_PCLK_HZ + baud / 2u) / baud;
    if (div < 16u || div > 0xFFFFFu) return 0u;
    uint32_t actual = UART_PCLK_HZ / div;
    uint32_t error = actual > baud ? actual - baud : baud - actual;
    if ((uint64_t)error * 1000u > (uint64_t)baud * BAUD_TOLERANCE_PERMILLE) return 0u;
    return div;
}

void board_write(void *ctx, const uint8_t *data, size_t len) {
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        while (UART_STATE(UART0_BASE) & UART_STATE_TXFULL) uart_poll();
        UART_DATA(UART0_BASE) = data[i];
    }
}

int board_set_baud(void *ctx, uint32_t baud) {
    (void)ctx;
    uint32_t div = uart_bauddiv(baud);
    if (div == 0u) return -1;
    while (UART_STATE(UART0_BASE) & UART_STATE_TXFULL) uart_poll();   /* the ACK is out */
    UART_BAUDDIV(UART0_BASE) = div;
    return 0;
}

/* Never taken in normal running (board_idle masks interrupts around the only window where the RX
 * interrupt is enabled); if it is, it just disables itself. */
void fw_uart0_rx_irq(void) {
    UART_CTRL(UART0_BASE) &= ~UART_CTRL_RXINTEN;
    UART_INTSTATUS(UART0_BASE) = UART_INT_RX;
}

void board_rx_start(void) {
    NVIC_IPR(UART0_RX_IRQN) = FW_PRIO_LOWEST;
    NVIC_ICPR(0) = 1u << UART0_RX_IRQN;
    NVIC_ISER(0) = 1u << UART0_RX_IRQN;          /* a wake-up source for WFI (see board_idle) */
    fw_irq_enable();                              /* SysTick counts wraps from here */
}

void board_poll(void) {
    uart_poll();
    fw_rx_drain();
}

/* Sleep until a byte arrives or SysTick ends a period (at most 100 ms). Interrupts are masked from
 * before the RXFULL check until after WFI, so a byte arriving in between still wakes the core (WFI
 * wakes on a pending interrupt even when PRIMASK keeps it from being taken); the UART interrupt is
 * then disabled and cleared before the harness runs again. Under -icount (sleep=on, QEMU's
 * default) virtual time runs at host speed while the core sleeps. */
void board_idle(void) {
    fw_irq_disable();
    UART_CTRL(UART0_BASE) |= UART_CTRL_RXINTEN;
    if (!(UART_STATE(UART0_BASE) & UART_STATE_RXFULL) && !fw_rx_ring_full(&fw_rx)) fw_wfi();
    UART_CTRL(UART0_BASE) &= ~UART_CTRL_RXINTEN;
    UART_INTSTATUS(UART0_BASE) = UART_INT_RX;
    NVIC_ICPR(0) = 1u << UART0_RX_IRQN;
    fw_irq_enable();                              /* a pending SysTick wrap is counted here */
}

/* ---- boot id ---- */

/* QEMU has no RNG on this machine and its time is deterministic under -icount, so the boot id is
 * a counter kept in RAM that the C start-up does not clear (.noinit): it differs for every reset
 * of one QEMU process (system_reset, or a debugger reloading the image). A new QEMU process starts
 * it again; the host's random wire sample ids keep runs apart. */
#define BOOT_MAGIC 0x48494C42u  /* "BLIH" */
static struct {
    uint32_t magic;
    uint32_t count;
} boot_record __attribute__((section(".noinit")));

uint32_t board_boot_id(void) {
    if (boot_record.magic != BOOT_MAGIC) {
        boot_record.magic = BOOT_MAGIC;
        boot_record.count = 0u;
    }
    boot_record.count++;
    uint32_t x = boot_record.count * 0x9E3779B9u ^ 0x51A9E5EDu;
    x ^= x >> 16; x *= 0x85EBCA6Bu; x ^= x >> 13; x *= 0xC2B2AE35u; x ^= x >> 16;
    return x;
}

void board_init(fw_board_info *info) {
    systick_init();
    UART_CTRL(UART0_BASE) = 0u;
    UART_BAUDDIV(UART0_BASE) = uart_bauddiv(BOOT_BAUD);
    UART_STATE(UART0_BASE) = UART_STATE_TXOVERRUN | UART_STATE_RXOVERRUN;
    UART_INTSTATUS(UART0_BASE) = 0xFu;
    UART_CTRL(UART0_BASE) = UART_CTRL_TXEN | UART_CTRL_RXEN;
    info->core_clock_hz = SYSTICK_HZ;
    info->timer_kind = HIL_TIMER_SYSTICK_EMULATED;
    info->cache_flags = 0u;             /* QEMU models no caches: none is reported */
    info->boot_baud = BOOT_BAUD;
    info->max_baud = MAX_BAUD;
}
