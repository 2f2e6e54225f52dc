/* Receiving: a byte-at-a-time COBS decoder with a running CRC-32, so the cost per byte is flat
 * and an ISR never spends a whole frame's CRC at the delimiter (the F746's USART has no FIFO).
 * Anything malformed is counted and dropped; the next 0x00 starts a fresh frame, which is all the
 * resynchronisation COBS needs: a zero never occurs inside an encoded frame. */
#include "harness_internal.h"

static void hh_rx_reset(hil_harness *h) {
    h->rx_len = 0;
    h->rx_crc = 0;
    h->rx_left = 0;
    h->rx_code = 0;
    h->rx_overflow = 0;
}

static void hh_rx_byte(hil_harness *h, uint8_t b) {
    if (h->rx_len >= HH_MAX_RAW) { h->rx_overflow = 1; return; }
    h->rx_buf[h->rx_len++] = b;
    h->rx_crc = hil_crc32(h->rx_crc, &b, 1);
}

static void hh_rx_frame_end(hil_harness *h) {
    if (h->rx_overflow) { h->counters.rx_oversize++; return; }
    if (h->rx_code == 0) return;                         /* empty: back-to-back delimiters, a flush */
    if (h->rx_left != 0 || h->rx_len < HH_HEADER + HH_CRC) { h->counters.rx_framing_errors++; return; }
    /* CRC over everything including the CRC field leaves a constant residue when it matches. */
    if (h->rx_crc != HH_CRC_RESIDUE) { h->counters.rx_crc_errors++; return; }
    uint16_t seq = hh_get16(h->rx_buf + 1);
    uint16_t skipped = (uint16_t)(seq - h->rx_last_seq - 1u);
    if (h->rx_have_seq && skipped != 0 && skipped < 0x8000u)    /* a jump back is a new host session */
        h->counters.rx_seq_gaps += skipped;
    h->rx_have_seq = 1;
    h->rx_last_seq = seq;
    h->counters.rx_frames++;
    hh_dispatch(h, h->rx_buf[0], seq, h->rx_buf + HH_HEADER, h->rx_len - HH_HEADER - HH_CRC);
}

void hil_harness_receive(hil_harness *h, const uint8_t *data, size_t len) {
    if (h == NULL || data == NULL) return;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (b == 0x00) {
            hh_rx_frame_end(h);
            hh_rx_reset(h);
        } else if (h->rx_left == 0) {
            /* a code byte: the previous block, unless it was full (0xFF), stood for a zero */
            if (h->rx_code != 0 && h->rx_code != 0xFF) hh_rx_byte(h, 0x00);
            h->rx_code = b;
            h->rx_left = (uint8_t)(b - 1u);
        } else {
            hh_rx_byte(h, b);
            h->rx_left--;
        }
    }
}
