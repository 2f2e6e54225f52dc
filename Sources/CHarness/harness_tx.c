/* Sending frames: header, CRC-32 and COBS, streamed to io->write in blocks.
 * Only the step side (and start) sends, so nothing here is shared with the receive side. */
#include <string.h>
#include "harness_internal.h"

void hh_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
void hh_put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
void hh_put64(uint8_t *p, uint64_t v) { hh_put32(p, (uint32_t)v); hh_put32(p + 4, (uint32_t)(v >> 32)); }
uint16_t hh_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t hh_get32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint8_t *hh_payload(hil_harness *h) { return h->tx_buf + HH_HEADER; }

/* COBS (Cheshire & Baker): the frame is cut at each zero into blocks of at most 254 non-zero bytes;
 * each block goes out as a code byte (its length + 1) and its bytes, and the zero it stood for is
 * implied, except after a full block (code 0xFF), which stands for 254 bytes and no zero. The
 * decoder drops the zero implied after the last block, so the frame needs no trailing zero. One
 * block is one write: io->write sees at most 255 bytes plus the delimiter at a time. */
static void hh_write_cobs(hil_harness *h, const uint8_t *data, uint32_t n) {
    uint32_t i = 0;
    for (;;) {
        uint32_t j = i;
        while (j < n && data[j] != 0 && j - i < 254u) j++;
        uint32_t run = j - i;
        h->tx_block[0] = (uint8_t)(run + 1u);
        memcpy(h->tx_block + 1, data + i, run);
        uint32_t out = run + 1u;
        int last = (j == n);                           /* also after a full block that ends the frame */
        if (last) h->tx_block[out++] = 0x00;          /* the frame delimiter rides with the last block */
        h->io.write(h->io.ctx, h->tx_block, out);
        if (last) return;
        i = (run == 254u) ? j : j + 1u;               /* a full block consumed no zero */
    }
}

void hh_send(hil_harness *h, uint8_t type, uint32_t payload_len) {
    if (h->io.write == NULL || payload_len > HIL_HARNESS_MAX_PAYLOAD) return;
    uint8_t *b = h->tx_buf;
    b[0] = type;
    hh_put16(b + 1, h->tx_seq);
    h->tx_seq++;
    uint32_t n = HH_HEADER + payload_len;
    hh_put32(b + n, hil_crc32(0, b, n));
    hh_write_cobs(h, b, n + HH_CRC);
    h->counters.tx_frames++;
}
