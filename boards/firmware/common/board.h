/* What each target folder provides to the shared main loop (common/main.c).
 *
 * A target brings up its clocks, UART and timer in board_init, and then hands the harness its
 * hooks: board_write (blocking TX), board_cycles (the cycle counter, 64 bits), board_set_baud.
 * Received bytes go into the shared RX ring (common/rx_ring.h) from the UART interrupt or from a
 * polling loop, and from there to hil_harness_receive by fw_rx_drain (common/main.c). */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t core_clock_hz;   /* what board_cycles counts per second */
    uint8_t timer_kind;       /* hil_timer_kind */
    uint8_t cache_flags;      /* bit 0 I-cache, bit 1 D-cache, bit 2 ART: what board_init turned on */
    uint32_t boot_baud;       /* the UART's rate after board_init */
    uint32_t max_baud;        /* the highest rate board_set_baud accepts */
} fw_board_info;

/* Clocks, caches, UART at the boot rate (RX not yet delivering), cycle counter. */
void board_init(fw_board_info *info);
/* A value that differs per reset (the RNG on a board). */
uint32_t board_boot_id(void);
/* Starts delivering received bytes to the RX ring: called once the harness is initialised. */
void board_rx_start(void);
/* Called on every pass of the main loop, before hil_harness_step (a polling target reads its UART
 * and drains the ring here). */
void board_poll(void);
/* Called when hil_harness_step had nothing to do. */
void board_idle(void);

/* The harness's hooks (hil_harness_io); ctx is unused. */
void board_write(void *ctx, const uint8_t *data, size_t len);
uint64_t board_cycles(void *ctx);
int board_set_baud(void *ctx, uint32_t baud);

/* Provided by common/main.c: hands everything in the RX ring to the harness. Call it from ONE
 * context only (PendSV on the F746, the main loop on QEMU): the ring has one consumer. */
void fw_rx_drain(void);

/* Provided by common/startup.c: copies .data, zeroes .bss, then runs main. The targets' reset
 * handlers call it after their own first steps (stack, FPU, vector table). */
void fw_c_runtime_start(void) __attribute__((noreturn));

/* Every fault and unexpected interrupt lands here: the core stops in a loop a debugger can see. */
void fw_default_handler(void);

#endif
