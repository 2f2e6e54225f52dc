/* A single-producer / single-consumer byte ring between the UART (its interrupt, or a polling
 * loop) and the harness's receive side. The producer writes a byte, then moves `head`; the
 * consumer reads bytes, then moves `tail`. Each index has one writer and is one aligned word, so
 * no lock is needed on a single core. The indices run freely (wrapping at 2^32); the size is a
 * power of two.
 *
 * The consumer hands the harness contiguous runs straight out of the ring (no copy). */
#ifndef FW_RX_RING_H
#define FW_RX_RING_H

#include <stddef.h>
#include <stdint.h>

#ifndef FW_RX_RING_SIZE
#define FW_RX_RING_SIZE 2048u
#endif
_Static_assert((FW_RX_RING_SIZE & (FW_RX_RING_SIZE - 1u)) == 0, "the RX ring size must be a power of two");

typedef struct {
    volatile uint32_t head;       /* written by the producer only */
    volatile uint32_t tail;       /* written by the consumer only */
    volatile uint32_t dropped;    /* bytes lost to a full ring (producer); the frame's CRC catches it */
    uint8_t data[FW_RX_RING_SIZE];
} fw_rx_ring;

extern fw_rx_ring fw_rx;

#define FW_RING_BARRIER() __asm__ volatile("" ::: "memory")

static inline int fw_rx_ring_full(const fw_rx_ring *r) {
    return (uint32_t)(r->head - r->tail) >= FW_RX_RING_SIZE;
}

/* Producer. Returns 0 (and counts the byte) when the ring is full. */
static inline int fw_rx_ring_put(fw_rx_ring *r, uint8_t b) {
    uint32_t head = r->head;
    if ((uint32_t)(head - r->tail) >= FW_RX_RING_SIZE) {
        r->dropped = r->dropped + 1u;
        return 0;
    }
    r->data[head & (FW_RX_RING_SIZE - 1u)] = b;
    FW_RING_BARRIER();            /* the byte is in place before the producer publishes it */
    r->head = head + 1u;
    return 1;
}

/* Consumer: the longest contiguous run of unread bytes (0 when empty). */
static inline size_t fw_rx_ring_peek(const fw_rx_ring *r, const uint8_t **run) {
    uint32_t tail = r->tail;
    uint32_t avail = r->head - tail;
    FW_RING_BARRIER();            /* read the bytes only after seeing the head that covers them */
    uint32_t at = tail & (FW_RX_RING_SIZE - 1u);
    uint32_t to_end = FW_RX_RING_SIZE - at;
    *run = &r->data[at];
    return avail < to_end ? avail : to_end;
}

/* Consumer: the first n bytes of the last peek are done with. */
static inline void fw_rx_ring_consume(fw_rx_ring *r, size_t n) {
    FW_RING_BARRIER();
    r->tail = r->tail + (uint32_t)n;
}

#endif
