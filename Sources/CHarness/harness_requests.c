/* Host frames, handled on the receive side (possibly in the UART ISR). Nothing here sends: answers
 * go into the reply ring and hil_harness_step sends them, so the UART has one writer. Input chunks
 * are copied into their slot here, so a slot fills while the other one is being inferred. */
#include <string.h>
#include "harness_internal.h"

void hh_queue(hil_harness *h, const hh_reply *r) {
    uint8_t head = h->ring_head;
    if ((uint8_t)(head - h->ring_tail) >= HH_RING) { h->counters.replies_dropped++; return; }
    h->ring[head & (HH_RING - 1u)] = *r;
    HH_BARRIER();                      /* the entry is written before step can see it */
    h->ring_head = (uint8_t)(head + 1u);
}

void hh_queue_error(hil_harness *h, uint8_t code, uint16_t ref_seq, int slot, uint32_t sample,
                    uint32_t value) {
    hh_reply r;
    r.type = HIL_FRAME_ERROR;
    r.code = code;
    r.flags = HH_ERR_HAS_REF;
    r.slot = 0;
    if (slot >= 0) { r.flags |= HH_ERR_HAS_SLOT; r.slot = (uint8_t)slot; }
    if (sample != HH_NONE) r.flags |= HH_ERR_HAS_SAMPLE;
    r.ref_seq = ref_seq;
    r.sample = sample;
    r.value = value;
    hh_queue(h, &r);
}

static void hh_queue_simple(hil_harness *h, uint8_t type, uint16_t ref_seq, uint32_t value) {
    hh_reply r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.ref_seq = ref_seq;
    r.value = value;
    hh_queue(h, &r);
}

/* Asks for the bytes from `expected` on. One NAK per pass over a gap: a later chunk of the same
 * pass (higher offset, nothing gained meanwhile) adds nothing, but a new pass (the host resent
 * from the gap and lost it again, so offsets start over) or progress earns a new NAK. */
static void hh_nak(hil_harness *h, hh_slot *s, uint8_t slot, uint16_t ref, uint32_t sample,
                   uint32_t offset, uint32_t expected) {
    int repeat = s->gap_sample == sample && s->gap_received == expected && offset > s->gap_offset;
    s->gap_sample = sample;
    s->gap_received = expected;
    s->gap_offset = offset;
    if (repeat) return;
    hh_reply r;
    memset(&r, 0, sizeof r);
    r.type = HIL_FRAME_NAK;
    r.slot = slot;
    r.ref_seq = ref;
    r.sample = sample;
    r.value = expected;
    hh_queue(h, &r);
}

static int hh_model_ready(hil_harness *h, uint16_t ref, int slot, uint32_t sample) {
    if (h->model_state == HIL_MODEL_READY) return 1;
    if (h->no_model_sample != sample) hh_queue_error(h, HIL_HERR_NO_MODEL, ref, slot, sample, h->model_state);
    h->no_model_sample = sample;
    return 0;
}

static void hh_input(hil_harness *h, uint16_t ref, const uint8_t *p, uint32_t len) {
    if (len < 9u || p[0] >= HIL_HARNESS_INPUT_BUFFERS) {
        hh_queue_error(h, HIL_HERR_BAD_PAYLOAD, ref, -1, HH_NONE, len);
        return;
    }
    uint8_t slot = p[0];
    uint32_t sample = hh_get32(p + 1), offset = hh_get32(p + 5), n = len - 9u;
    if (!hh_model_ready(h, ref, slot, sample)) return;
    if (n == 0 || offset > h->input_bytes || n > h->input_bytes - offset) {
        hh_queue_error(h, HIL_HERR_INPUT_RANGE, ref, slot, sample, h->input_bytes);
        return;
    }
    hh_slot *s = &h->slots[slot];
    uint8_t *buf = h->inputs + (uint32_t)slot * h->input_buffer_size;
    uint8_t state = s->state;
    if (state == HIL_SLOT_QUEUED || state == HIL_SLOT_RUNNING) {
        /* step owns the slot; a late copy of the sample it holds changes nothing */
        if (s->sample != sample) hh_queue_error(h, HIL_HERR_BUSY, ref, slot, sample, s->sample);
        return;
    }
    int fresh = state == HIL_SLOT_FREE || s->sample != sample;
    uint32_t have = fresh ? 0u : s->received;
    if (offset > have) { hh_nak(h, s, slot, ref, sample, offset, have); return; }
    if (offset + n <= have) return;                       /* a duplicate */
    s->version++;
    HH_BARRIER();
    memcpy(buf + offset, p + 9, n);
    s->sample = sample;                                   /* a new sample at offset 0 replaces the old */
    s->received = offset + n;
    HH_BARRIER();
    s->state = HIL_SLOT_FILLING;
    s->version++;
}

static void hh_infer(hil_harness *h, uint16_t ref, const uint8_t *p, uint32_t len) {
    if (len < 5u || p[0] >= HIL_HARNESS_INPUT_BUFFERS) {
        hh_queue_error(h, HIL_HERR_BAD_PAYLOAD, ref, -1, HH_NONE, len);
        return;
    }
    uint8_t slot = p[0];
    uint32_t sample = hh_get32(p + 1);
    if (!hh_model_ready(h, ref, slot, sample)) return;
    hh_slot *s = &h->slots[slot];
    uint8_t state = s->state;
    if (s->sample == sample && (state == HIL_SLOT_QUEUED || state == HIL_SLOT_RUNNING)) return;
    if (state != HIL_SLOT_FILLING || s->sample != sample) {
        hh_queue_error(h, HIL_HERR_UNKNOWN_SAMPLE, ref, slot, sample, HH_NONE);
        return;
    }
    if (s->received != h->input_bytes) {
        hh_queue_error(h, HIL_HERR_INPUT_INCOMPLETE, ref, slot, sample, s->received);
        return;
    }
    s->version++;
    s->ticket = h->rx_next_ticket++;
    s->profile = (uint8_t)(len >= 6u && (p[5] & 1u));    /* byte 5, protocol 2: flags */
    HH_BARRIER();
    s->state = HIL_SLOT_QUEUED;                           /* from here on the slot is step's */
    s->version++;
}

void hh_dispatch(hil_harness *h, uint8_t type, uint16_t seq, const uint8_t *payload, uint32_t len) {
    switch (type) {
    case HIL_FRAME_HELLO_REQUEST: hh_queue_simple(h, HIL_FRAME_HELLO, seq, 0); break;
    case HIL_FRAME_PING: hh_queue_simple(h, HIL_FRAME_PONG, seq, 0); break;
    case HIL_FRAME_SET_BAUD:
        if (len < 4u) hh_queue_error(h, HIL_HERR_BAD_PAYLOAD, seq, -1, HH_NONE, len);
        else hh_queue_simple(h, HIL_FRAME_SET_BAUD, seq, hh_get32(payload));
        break;
    case HIL_FRAME_INPUT: hh_input(h, seq, payload, len); break;
    case HIL_FRAME_INFER: hh_infer(h, seq, payload, len); break;
    default: hh_queue_error(h, HIL_HERR_UNKNOWN_TYPE, seq, -1, HH_NONE, type); break;
    }
}
