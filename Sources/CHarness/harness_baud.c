/* The baud switch (docs/harness-protocol.md, "Changing the baud rate"). Step side.
 * The device acknowledges at the old rate, then asks the platform to switch once the ACK has left
 * the wire. If no good frame arrives at the new rate within half a second (measured with
 * io->cycles; a build without it never reverts), the device goes back to the old rate, so a host
 * that could not follow can always find it again. */
#include <string.h>
#include "harness_internal.h"

static void hh_refuse(hil_harness *h, uint16_t ref_seq, uint32_t baud) {
    hh_reply r;
    memset(&r, 0, sizeof r);
    r.type = HIL_FRAME_ERROR;
    r.code = HIL_HERR_BAUD_REFUSED;
    r.flags = HH_ERR_HAS_REF;
    r.ref_seq = ref_seq;
    r.sample = HH_NONE;
    r.value = h->config.max_baud;
    (void)baud;
    hh_send_error(h, &r);
}

void hh_set_baud(hil_harness *h, const hh_reply *r) {
    uint32_t baud = r->value;
    if (baud == 0 || baud > h->config.max_baud || h->io.set_baud == NULL) {
        hh_refuse(h, r->ref_seq, baud);
        return;
    }
    hh_send_baud_ack(h, r->ref_seq, baud);
    if (baud == h->current_baud) return;
    if (h->io.set_baud(h->io.ctx, baud) != 0) {      /* the platform cannot make this rate after all */
        hh_refuse(h, r->ref_seq, baud);
        return;
    }
    h->previous_baud = h->current_baud;
    h->current_baud = baud;
    h->baud_rx_mark = h->counters.rx_frames;
    h->baud_switched_at = h->io.cycles != NULL ? h->io.cycles(h->io.ctx) : 0;
    h->baud_unconfirmed = 1;
}

void hh_check_baud(hil_harness *h) {
    if (!h->baud_unconfirmed) return;
    if (h->counters.rx_frames != h->baud_rx_mark) { h->baud_unconfirmed = 0; return; }
    if (h->io.cycles == NULL || h->config.core_clock_hz == 0) return;
    uint64_t waited = h->io.cycles(h->io.ctx) - h->baud_switched_at;
    if (waited < h->config.core_clock_hz / 2u) return;
    h->baud_unconfirmed = 0;
    if (h->io.set_baud(h->io.ctx, h->previous_baud) == 0) {
        h->current_baud = h->previous_baud;
        h->counters.baud_reverts++;
    }
}
