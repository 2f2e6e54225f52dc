/* Device-to-host frames other than RESULT. Byte layouts: docs/harness-protocol.md. Step side. */
#include <string.h>
#include "harness_internal.h"

static uint32_t hh_put_text(uint8_t *p, const char *text, uint32_t len) {
    if (text == NULL) len = 0;
    if (len > HH_TEXT_MAX) len = HH_TEXT_MAX;
    p[0] = (uint8_t)len;
    if (len > 0) memcpy(p + 1, text, len);
    return 1u + len;
}

static uint32_t hh_strlen(const char *s) {
    uint32_t n = 0;
    if (s != NULL) while (s[n] != '\0' && n < HH_TEXT_MAX) n++;
    return n;
}

static uint32_t hh_float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);          /* IEEE-754 single on every target we build for */
    return u;
}

/* LABELS frames: as many labels per frame as fit, so any class count goes out whole. */
static void hh_send_labels(hil_harness *h) {
    uint16_t count = h->model_state == HIL_MODEL_READY ? h->model.class_count : 0;
    uint16_t next = 0;
    while (next < count) {
        uint8_t *p = hh_payload(h);
        uint32_t at = 3;
        uint16_t first = next;
        while (next < count && next - first < 255) {
            uint16_t len = 0;
            const char *label = hil_model_label(&h->model, next, &len);
            if (label == NULL) len = 0;
            if (len > 255) len = 255;
            if (at + 1u + len > HIL_HARNESS_MAX_PAYLOAD) break;
            p[at] = (uint8_t)len;
            if (len > 0) memcpy(p + at + 1, label, len);
            at += 1u + len;
            next++;
        }
        hh_put16(p, first);
        p[2] = (uint8_t)(next - first);
        hh_send(h, HIL_FRAME_LABELS, at);
    }
}

void hh_send_hello(hil_harness *h, uint8_t reason, uint16_t ref_seq) {
    const hil_model *m = &h->model;
    int has_model = h->model_state == HIL_MODEL_READY || h->model_state == HIL_MODEL_TOO_BIG;
    uint8_t *p = hh_payload(h);
    memset(p, 0, 108);
    p[0] = (uint8_t)HIL_HARNESS_PROTOCOL_VERSION;
    p[1] = reason;
    hh_put16(p + 2, ref_seq);
    hh_put32(p + 4, h->boot_id);
    p[8] = h->model_state;
    p[9] = h->model_status;
    p[10] = h->config.timer_kind;
    p[11] = h->config.cache_flags;
    hh_put32(p + 12, h->config.core_clock_hz);
    hh_put32(p + 16, h->current_baud);
    hh_put32(p + 20, h->config.max_baud);
    hh_put32(p + 24, h->input_buffer_size);
    p[28] = (uint8_t)HIL_HARNESS_INPUT_BUFFERS;
    p[29] = 1;                                        /* input dtype: int8 */
    hh_put16(p + 30, (uint16_t)HIL_HARNESS_MAX_PAYLOAD);
    if (has_model) {
        hh_put16(p + 32, m->input_h);
        hh_put16(p + 34, m->input_w);
        hh_put16(p + 36, m->input_c);
        hh_put16(p + 38, m->class_count);
        hh_put32(p + 40, hh_float_bits(m->input_scale));
        hh_put32(p + 44, (uint32_t)m->input_zero_point);
        hh_put32(p + 48, hh_float_bits(m->output_scale));
        hh_put32(p + 52, (uint32_t)m->output_zero_point);
        hh_put32(p + 56, m->arena_bytes);
        hh_put32(p + 60, m->size);
        memcpy(p + 64, h->model_hash, 32);
        hh_put64(p + 96, m->macs);
    }
    hh_put32(p + 104, h->config.current_baud);        /* the rate after a reset */
    uint32_t at = 108;
    at += hh_put_text(p + at, h->config.board, hh_strlen(h->config.board));
    at += hh_put_text(p + at, h->config.build_id, hh_strlen(h->config.build_id));
    at += hh_put_text(p + at, has_model ? m->name : NULL, has_model ? m->name_len : 0);
    hh_send(h, HIL_FRAME_HELLO, at);
    hh_send_labels(h);
}

/* PONG: the slots as they are now, read under each slot's version so a snapshot torn by the
 * receive side (an ISR) is retaken; then the counters. */
void hh_send_pong(hil_harness *h, uint16_t ref_seq) {
    uint8_t *p = hh_payload(h);
    hh_put16(p, ref_seq);
    hh_put32(p + 2, h->boot_id);
    p[6] = (uint8_t)HIL_HARNESS_INPUT_BUFFERS;
    uint32_t at = 7;
    for (uint32_t i = 0; i < HIL_HARNESS_INPUT_BUFFERS; i++) {
        hh_slot *s = &h->slots[i];
        uint32_t before, sample, received;
        uint8_t state;
        do {
            before = s->version;
            HH_BARRIER();
            state = s->state;
            sample = s->sample;
            received = s->received;
            HH_BARRIER();
        } while (before != s->version);
        p[at] = state;
        hh_put32(p + at + 1, sample);
        hh_put32(p + at + 5, received);
        at += 9;
    }
    hh_put32(p + at, h->current_baud);
    at += 4;
    hil_harness_counters c;
    hil_harness_get_counters(h, &c);
    const uint32_t values[9] = {c.rx_frames, c.rx_crc_errors, c.rx_framing_errors, c.rx_oversize,
                                c.rx_seq_gaps, c.replies_dropped, c.tx_frames, c.inferences,
                                c.baud_reverts};
    for (uint32_t i = 0; i < 9; i++, at += 4) hh_put32(p + at, values[i]);
    hh_send(h, HIL_FRAME_PONG, at);
}

static const char *hh_error_text(uint8_t code) {
    switch (code) {
    case HIL_HERR_BAD_FRAME: return "bad frame";
    case HIL_HERR_UNKNOWN_TYPE: return "unknown frame type";
    case HIL_HERR_BAD_PAYLOAD: return "bad payload";
    case HIL_HERR_NO_MODEL: return "no model";
    case HIL_HERR_INPUT_RANGE: return "chunk outside the input";
    case HIL_HERR_INPUT_INCOMPLETE: return "input incomplete";
    case HIL_HERR_UNKNOWN_SAMPLE: return "unknown sample";
    case HIL_HERR_BUSY: return "busy";
    case HIL_HERR_BAUD_REFUSED: return "baud refused";
    case HIL_HERR_INFER_FAILED: return "inference failed";
    default: return "error";
    }
}

void hh_send_error(hil_harness *h, const hh_reply *r) {
    uint8_t *p = hh_payload(h);
    p[0] = r->code;
    p[1] = r->flags;
    hh_put16(p + 2, r->ref_seq);
    p[4] = r->slot;
    hh_put32(p + 5, r->sample);
    hh_put32(p + 9, r->value);
    const char *text = r->code == HIL_HERR_INFER_FAILED ? hil_status_text((hil_status)r->value)
                                                         : hh_error_text(r->code);
    uint32_t n = hh_strlen(text);
    if (n > 0) memcpy(p + 13, text, n);
    hh_send(h, HIL_FRAME_ERROR, 13u + n);
}

void hh_send_nak(hil_harness *h, const hh_reply *r) {
    uint8_t *p = hh_payload(h);
    hh_put16(p, r->ref_seq);
    p[2] = r->slot;
    hh_put32(p + 3, r->sample);
    hh_put32(p + 7, r->value);
    hh_send(h, HIL_FRAME_NAK, 11);
}

void hh_send_baud_ack(hil_harness *h, uint16_t ref_seq, uint32_t baud) {
    uint8_t *p = hh_payload(h);
    hh_put16(p, ref_seq);
    hh_put32(p + 2, baud);
    hh_send(h, HIL_FRAME_BAUD_ACK, 6);
}
