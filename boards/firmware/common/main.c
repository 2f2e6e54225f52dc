/* The harness firmware's main loop, the same on every target.
 *
 *   board_init        clocks, caches, UART at the boot rate, cycle counter
 *   hil_harness_init  parses the model region in place (ready / empty / corrupt / too big)
 *   set_boot_id       from the board (the F746's RNG)
 *   board_rx_start    received bytes start flowing into the RX ring
 *   hil_harness_start HELLO (reason boot) and the model's LABELS
 *   loop              board_poll (a polling target reads its UART), hil_harness_step (replies,
 *                     then at most one inference and its RESULT), board_idle when it did nothing
 *
 * The harness only writes to the UART from hil_harness_step, between inferences, so the line is
 * quiet while one runs; the cycle counter is read right before and right after hil_invoke. */
#include <stdint.h>
#include "board.h"
#include "hil_harness.h"
#include "info_block.h"
#include "memory.h"
#include "rx_ring.h"
#include "stack_paint.h"

/* The harness's state, statically allocated (in DTCM on the F746: see the linker script). */
static uint8_t harness_state[HIL_HARNESS_STATE_BYTES] __attribute__((aligned(8)));
#define HARNESS ((hil_harness *)(void *)harness_state)

fw_rx_ring fw_rx;

/* For a debugger: what the board reported, and the harness's counters are one call away
 * (hil_harness_get_counters(HARNESS, ...)). */
fw_board_info fw_board;

void fw_rx_drain(void) {
    for (;;) {
        const uint8_t *run;
        size_t n = fw_rx_ring_peek(&fw_rx, &run);
        if (n == 0) return;
        hil_harness_receive(HARNESS, run, n);
        fw_rx_ring_consume(&fw_rx, n);
    }
}

int main(void) {
    fw_stack_paint();
    board_init(&fw_board);

    hil_harness_config config = {
        .board = fw_info.board,
        .build_id = fw_info.build_id,
        .core_clock_hz = fw_board.core_clock_hz,
        .timer_kind = fw_board.timer_kind,
        .current_baud = fw_board.boot_baud,
        .max_baud = fw_board.max_baud,
        .cache_flags = fw_board.cache_flags,
    };
    hil_harness_io io = {
        .ctx = 0,
        .write = board_write,
        .cycles = board_cycles,
        .estimate_cycles = 0,          /* a measurement, never an estimate */
        .set_baud = board_set_baud,
        .estimate_layer_cycles = 0,    /* layers are timed by board_cycles too */
        .stack_peak = fw_stack_peak,
    };
    /* The state size is checked against HIL_HARNESS_STATE_BYTES at compile time by the harness;
     * this is a second guard against a mismatched header. */
    if (hil_harness_state_size() > sizeof harness_state) fw_default_handler();

    uint32_t model_size = (uint32_t)(__hil_model_region_end - __hil_model_region_start);
    uint32_t arena_size = (uint32_t)(__hil_arena_end - __hil_arena_start);
    uint32_t input_buffer_size = (uint32_t)(__hil_inputs_end - __hil_inputs_start) / HIL_HARNESS_INPUT_BUFFERS;
    hil_harness_init(HARNESS, &config, &io, __hil_model_region_start, model_size,
                     __hil_arena_start, arena_size, __hil_inputs_start, input_buffer_size);
    hil_harness_set_boot_id(HARNESS, board_boot_id());

    board_rx_start();
    hil_harness_start(HARNESS);
    for (;;) {
        board_poll();
        if (!hil_harness_step(HARNESS)) board_idle();
    }
}
