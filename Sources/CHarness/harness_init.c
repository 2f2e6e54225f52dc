/* Setting up: the model's state, the boot id, HELLO at start, and the small accessors. */
#include <string.h>
#include "harness_internal.h"

/* C99 compile-time checks: the state fits the advertised static size, and the largest RESULT and
 * HELLO fit a frame. */
typedef char hh_state_fits[(sizeof(struct hil_harness) <= HIL_HARNESS_STATE_BYTES) ? 1 : -1];
typedef char hh_result_fits[(25u + HIL_HARNESS_MAX_CLASSES <= HIL_HARNESS_MAX_PAYLOAD) ? 1 : -1];
typedef char hh_hello_fits[(108u + 3u * (1u + HH_TEXT_MAX) <= HIL_HARNESS_MAX_PAYLOAD) ? 1 : -1];

size_t hil_harness_state_size(void) { return sizeof(struct hil_harness); }

/* An erased flash region reads 0xFF; a zeroed one (the mock's fresh RAM) reads 0x00. */
static int hh_erased(const uint8_t *region, uint32_t size) {
    uint32_t n = size < 16u ? size : 16u;
    int ff = 1, zero = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (region[i] != 0xFF) ff = 0;
        if (region[i] != 0x00) zero = 0;
    }
    return ff || zero;
}

static void hh_load_model(hil_harness *h, const uint8_t *region, uint32_t size) {
    h->model_state = HIL_MODEL_EMPTY;
    h->model_status = HIL_ERR_MAGIC;
    if (region == NULL || size == 0) return;
    hil_status st = hil_model_load(&h->model, region, size);
    h->model_status = (uint8_t)st;
    if (st != HIL_OK) {
        memset(&h->model, 0, sizeof h->model);
        h->model_state = (st == HIL_ERR_MAGIC && hh_erased(region, size)) ? HIL_MODEL_EMPTY : HIL_MODEL_CORRUPT;
        return;
    }
    const hil_model *m = &h->model;
    uint64_t in = (uint64_t)m->input_h * m->input_w * m->input_c;
    hil_sha256(m->blob, m->size, h->model_hash);
    if (in == 0 || in > h->input_buffer_size || h->inputs == NULL || m->arena_bytes > h->arena_size ||
        m->class_count == 0 || m->class_count > HIL_HARNESS_MAX_CLASSES) {
        h->model_state = HIL_MODEL_TOO_BIG;
        return;
    }
    h->input_bytes = (uint32_t)in;
    h->model_state = HIL_MODEL_READY;
}

/* The fallback boot id: differs per init in one process (the mock board re-inits to reboot). A
 * board should call hil_harness_set_boot_id with a value that survives nothing (RNG). */
static uint32_t hh_boot_counter;

static uint32_t hh_default_boot_id(const hil_harness *h) {
    uint32_t x = 0x9E3779B9u * ++hh_boot_counter;
    x ^= (uint32_t)(uintptr_t)h;
    if (h->io.cycles != NULL) x ^= (uint32_t)h->io.cycles(h->io.ctx);
    x ^= x >> 16; x *= 0x85EBCA6Bu; x ^= x >> 13; x *= 0xC2B2AE35u; x ^= x >> 16;
    return x;
}

void hil_harness_init(hil_harness *h, const hil_harness_config *config, const hil_harness_io *io,
                      const uint8_t *model_region, uint32_t model_region_size,
                      uint8_t *arena, uint32_t arena_size,
                      uint8_t *input_buffers, uint32_t input_buffer_size) {
    if (h == NULL) return;
    memset(h, 0, sizeof *h);
    if (config != NULL) h->config = *config;
    if (io != NULL) h->io = *io;
    h->arena = arena;
    h->arena_size = arena_size;
    /* painted so that LAYER_PROFILE can say how much of it inference really writes */
    if (arena != NULL) memset(arena, HIL_HARNESS_ARENA_PAINT, arena_size);
    h->inputs = input_buffers;
    h->input_buffer_size = input_buffers != NULL ? input_buffer_size : 0;
    h->current_baud = h->config.current_baud;
    h->previous_baud = h->config.current_baud;
    h->no_model_sample = HH_NONE;
    for (uint32_t i = 0; i < HIL_HARNESS_INPUT_BUFFERS; i++) h->slots[i].gap_sample = HH_NONE;
    hh_load_model(h, model_region, model_region_size);
    h->boot_id = hh_default_boot_id(h);
}

void hil_harness_start(hil_harness *h) {
    if (h == NULL) return;
    /* a lone delimiter first: whatever half frame the host's decoder holds is ended, so HELLO is
     * not lost to the noise of a reset */
    static const uint8_t delimiter = 0x00;
    if (h->io.write != NULL) h->io.write(h->io.ctx, &delimiter, 1);
    hh_send_hello(h, 0, 0xFFFFu);
}

void hil_harness_set_boot_id(hil_harness *h, uint32_t boot_id) { if (h != NULL) h->boot_id = boot_id; }
uint32_t hil_harness_boot_id(const hil_harness *h) { return h != NULL ? h->boot_id : 0; }
hil_model_state hil_harness_model_state(const hil_harness *h) {
    return h != NULL ? (hil_model_state)h->model_state : HIL_MODEL_EMPTY;
}

void hil_harness_get_counters(const hil_harness *h, hil_harness_counters *out) {
    if (h == NULL || out == NULL) return;
    out->rx_frames = h->counters.rx_frames;
    out->rx_crc_errors = h->counters.rx_crc_errors;
    out->rx_framing_errors = h->counters.rx_framing_errors;
    out->rx_oversize = h->counters.rx_oversize;
    out->rx_seq_gaps = h->counters.rx_seq_gaps;
    out->replies_dropped = h->counters.replies_dropped;
    out->tx_frames = h->counters.tx_frames;
    out->inferences = h->counters.inferences;
    out->baud_reverts = h->counters.baud_reverts;
}
