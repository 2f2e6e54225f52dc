/* The main-loop side: sends queued replies, then runs the oldest queued input and sends RESULT.
 * While an inference runs, the receive side keeps filling the other slot (double buffering). */
#include <string.h>
#include "harness_internal.h"

static void hh_reply_one(hil_harness *h, const hh_reply *r) {
    switch (r->type) {
    case HIL_FRAME_HELLO: hh_send_hello(h, 1, r->ref_seq); break;
    case HIL_FRAME_PONG: hh_send_pong(h, r->ref_seq); break;
    case HIL_FRAME_SET_BAUD: hh_set_baud(h, r); break;
    case HIL_FRAME_NAK: hh_send_nak(h, r); break;
    default: hh_send_error(h, r); break;
    }
}

/* One ERROR for all frames dropped since the last report: a burst of noise costs one frame. */
static int hh_report_bad_frames(hil_harness *h) {
    uint32_t bad = h->counters.rx_crc_errors + h->counters.rx_framing_errors + h->counters.rx_oversize;
    if (bad == h->bad_reported) return 0;
    hh_reply r;
    memset(&r, 0, sizeof r);
    r.type = HIL_FRAME_ERROR;
    r.code = HIL_HERR_BAD_FRAME;
    r.sample = HH_NONE;
    r.value = bad - h->bad_reported;
    h->bad_reported = bad;
    hh_send_error(h, &r);
    return 1;
}

static int hh_oldest_queued(hil_harness *h) {
    int best = -1;
    for (int i = 0; i < (int)HIL_HARNESS_INPUT_BUFFERS; i++) {
        if (h->slots[i].state != HIL_SLOT_QUEUED) continue;
        if (best < 0 || (int32_t)(h->slots[i].ticket - h->slots[best].ticket) < 0) best = i;
    }
    return best;
}

static void hh_send_result(hil_harness *h, uint8_t slot, uint32_t sample, uint32_t input_crc,
                           uint64_t cycles) {
    uint16_t count = h->model.class_count;
    uint8_t *p = hh_payload(h);
    hh_put32(p, sample);
    hh_put32(p + 4, h->boot_id);
    hh_put32(p + 8, input_crc);
    hh_put64(p + 12, cycles);
    hh_put16(p + 20, hil_argmax(h->scores, count));
    hh_put16(p + 22, count);
    p[24] = slot;
    memcpy(p + 25, h->scores, count);
    hh_send(h, HIL_FRAME_RESULT, 25u + count);
}

/* Layer boundary of a profiled inference on a timer: layer b−1 took the cycles since the last one. */
static void hh_mark(void *ctx, uint16_t boundary) {
    hil_harness *h = (hil_harness *)ctx;
    uint64_t now = h->io.cycles(h->io.ctx);
    if (boundary > 0 && boundary <= HIL_HARNESS_MAX_PROFILE_LAYERS) {
        uint64_t d = now - h->mark_at;
        h->layer_cycles[boundary - 1u] = d > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)d;
    }
    h->mark_at = now;
}

/* The highest arena byte that no longer holds the paint, + 1: what inference has written since boot. */
static void hh_measure_arena(hil_harness *h) {
    uint32_t top = h->arena_size;
    while (top > h->arena_peak && h->arena[top - 1u] == HIL_HARNESS_ARENA_PAINT) top--;
    if (top > h->arena_peak) h->arena_peak = top;
}

/* LAYER_PROFILE (§4.8): cycles per layer of the inference just run, in as many frames as needed. */
static void hh_send_profile(hil_harness *h, uint32_t sample) {
    uint16_t layers = h->model.layer_count;
    uint16_t recorded = layers <= HIL_HARNESS_MAX_PROFILE_LAYERS ? layers : 0;
    uint32_t per_frame = (HIL_HARNESS_MAX_PAYLOAD - 22u) / 4u;
    uint32_t stack = h->io.stack_peak != NULL ? h->io.stack_peak(h->io.ctx) : 0xFFFFFFFFu;
    uint16_t first = 0;
    do {
        uint32_t left = (uint32_t)recorded - first;
        uint16_t k = (uint16_t)(left < per_frame ? left : per_frame);
        uint8_t *p = hh_payload(h);
        hh_put32(p, sample);
        hh_put32(p + 4, h->boot_id);
        hh_put16(p + 8, layers);
        hh_put16(p + 10, first);
        hh_put16(p + 12, k);
        hh_put32(p + 14, h->arena_peak);
        hh_put32(p + 18, stack);
        for (uint16_t i = 0; i < k; i++) hh_put32(p + 22 + 4u * i, h->layer_cycles[first + i]);
        hh_send(h, HIL_FRAME_LAYER_PROFILE, 22u + 4u * k);
        first = (uint16_t)(first + k);
    } while (first < recorded);
}

static void hh_run(hil_harness *h, int slot) {
    hh_slot *s = &h->slots[slot];
    s->state = HIL_SLOT_RUNNING;
    HH_BARRIER();
    const uint8_t *input = h->inputs + (uint32_t)slot * h->input_buffer_size;
    uint32_t sample = s->sample;
    /* the CRC of what was inferred lets the host check the result belongs to its bytes */
    uint32_t input_crc = hil_crc32(0, input, h->input_bytes);
    uint64_t cycles = 0;
    hil_status st;
    int profile = s->profile;
    memset(h->layer_cycles, 0, sizeof h->layer_cycles);
    if (h->io.estimate_cycles != NULL) {
        st = hil_invoke(&h->model, (const int8_t *)input, h->arena, h->arena_size, h->scores);
        cycles = h->io.estimate_cycles(h->io.ctx, &h->model);
        if (profile && h->io.estimate_layer_cycles != NULL && h->model.layer_count <= HIL_HARNESS_MAX_PROFILE_LAYERS) {
            for (uint16_t i = 0; i < h->model.layer_count; i++) {
                uint64_t c = h->io.estimate_layer_cycles(h->io.ctx, &h->model, i);
                h->layer_cycles[i] = c > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)c;
            }
        }
    } else if (h->io.cycles != NULL) {
        uint64_t t0 = h->io.cycles(h->io.ctx);
        /* the marks cost a timer read per layer: only a profiled inference pays for them */
        st = hil_invoke_marked(&h->model, (const int8_t *)input, h->arena, h->arena_size, h->scores,
                               profile ? hh_mark : NULL, h);
        cycles = h->io.cycles(h->io.ctx) - t0;
    } else {
        st = hil_invoke(&h->model, (const int8_t *)input, h->arena, h->arena_size, h->scores);
    }
    if (profile) hh_measure_arena(h);
    h->counters.inferences++;
    HH_BARRIER();
    s->state = HIL_SLOT_FREE;                /* the input is consumed: receive may refill the slot */
    if (st == HIL_OK) {
        if (profile) hh_send_profile(h, sample);   /* before the RESULT: the host has it when the result lands */
        hh_send_result(h, (uint8_t)slot, sample, input_crc, cycles);
    } else {
        hh_reply r;
        memset(&r, 0, sizeof r);
        r.code = HIL_HERR_INFER_FAILED;
        r.flags = HH_ERR_HAS_SLOT | HH_ERR_HAS_SAMPLE;
        r.slot = (uint8_t)slot;
        r.sample = sample;
        r.value = (uint32_t)st;
        hh_send_error(h, &r);
    }
}

int hil_harness_step(hil_harness *h) {
    if (h == NULL) return 0;
    int did = 0;
    hh_check_baud(h);
    did |= hh_report_bad_frames(h);
    while (h->ring_tail != h->ring_head) {
        HH_BARRIER();                        /* read the entry only after seeing the head move */
        hh_reply r = h->ring[h->ring_tail & (HH_RING - 1u)];
        h->ring_tail = (uint8_t)(h->ring_tail + 1u);
        hh_reply_one(h, &r);
        did = 1;
    }
    int slot = hh_oldest_queued(h);
    if (slot >= 0) {
        hh_run(h, slot);
        did = 1;
    }
    return did;
}
