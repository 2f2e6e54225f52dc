/* The harness's state and the functions its files share. Not part of the contract.
 *
 * Concurrency (docs/harness-protocol.md, "Device side"): hil_harness_receive may run in the UART
 * interrupt while hil_harness_step runs in the main loop; on the mock board both run on one thread.
 * Every shared field has ONE writer per state, so no lock is needed on a single core:
 *  - a slot is written by the receive side while FREE or FILLING (it makes it QUEUED) and by the
 *    step side while QUEUED or RUNNING (it makes it FREE). Whoever publishes a state writes the
 *    slot's other fields first, then the state, with a compiler barrier between.
 *  - the reply ring: receive writes entries and `ring_head`, step reads them and writes `ring_tail`.
 *  - counters: each is incremented by one side only (rx_* by receive, the rest by step).
 *  - step reads a slot's (state, sample, received) for PONG under the slot's `version`, which
 *    receive bumps around each change: a snapshot taken while receive changed it is retaken. */
#ifndef HARNESS_INTERNAL_H
#define HARNESS_INTERNAL_H

#include "hil_harness.h"

#define HH_HEADER 3u                              /* type u8 + seq u16 */
#define HH_CRC 4u
#define HH_MAX_RAW (HH_HEADER + HIL_HARNESS_MAX_PAYLOAD + HH_CRC)
#define HH_RING 8u                                /* queued replies; a power of two */
#define HH_TEXT_MAX 64u                           /* board, build id and model name in HELLO */
#define HH_CRC_RESIDUE 0x2144DF1Cu                /* zlib CRC-32 of (data, its CRC little-endian) */
#define HH_NONE 0xFFFFFFFFu

#if defined(__GNUC__) || defined(__clang__)
#define HH_BARRIER() __asm__ __volatile__("" ::: "memory")
#else
#define HH_BARRIER() do { } while (0)
#endif

typedef struct {
    volatile uint8_t state;       /* hil_slot_state */
    volatile uint32_t sample;     /* the host's sample id */
    volatile uint32_t received;   /* input bytes held, contiguous from offset 0 */
    volatile uint32_t ticket;     /* order of queueing: the oldest queued slot runs first */
    volatile uint32_t version;    /* bumped by receive before and after it changes the slot */
    volatile uint8_t profile;     /* the INFER asked for a per-layer profile (written with QUEUED) */
    /* receive side only: the gap last reported by NAK, so one lost chunk costs one NAK per pass */
    uint32_t gap_sample, gap_received, gap_offset;
} hh_slot;

typedef struct {                  /* a reply queued by receive for step to send */
    uint8_t type;                 /* hil_frame_type of the reply, or HIL_FRAME_ERROR */
    uint8_t code;                 /* ERROR code */
    uint8_t slot;
    uint8_t flags;                /* ERROR flags (HH_ERR_*) */
    uint16_t ref_seq;             /* sequence number of the host frame that caused it */
    uint32_t sample;
    uint32_t value;               /* NAK offset, SET_BAUD rate, ERROR value */
} hh_reply;

#define HH_ERR_HAS_REF 1u
#define HH_ERR_HAS_SLOT 2u
#define HH_ERR_HAS_SAMPLE 4u

struct hil_harness {
    hil_harness_config config;
    hil_harness_io io;
    /* model, fixed after init */
    hil_model model;
    uint8_t model_state;
    uint8_t model_status;         /* hil_status of hil_model_load */
    uint8_t model_hash[32];
    uint32_t input_bytes;         /* input_h * input_w * input_c when ready */
    uint8_t *arena;
    uint32_t arena_size;
    uint8_t *inputs;
    uint32_t input_buffer_size;
    uint32_t boot_id;
    /* receive side: COBS decoder and frame checks */
    uint8_t rx_buf[HH_MAX_RAW];
    uint32_t rx_len;
    uint32_t rx_crc;
    uint8_t rx_left;              /* data bytes left in the current COBS block */
    uint8_t rx_code;              /* code byte of the current block; 0 before the first */
    uint8_t rx_overflow;
    uint8_t rx_have_seq;
    uint16_t rx_last_seq;
    uint32_t rx_next_ticket;
    uint32_t no_model_sample;     /* last sample told "no model", so a stream gets one ERROR */
    hh_slot slots[HIL_HARNESS_INPUT_BUFFERS];
    hh_reply ring[HH_RING];
    volatile uint8_t ring_head;   /* written by receive */
    volatile uint8_t ring_tail;   /* written by step */
    /* step side */
    uint16_t tx_seq;
    uint8_t tx_buf[HH_MAX_RAW];
    uint8_t tx_block[256];
    int8_t scores[HIL_HARNESS_MAX_CLASSES];
    uint32_t bad_reported;        /* rx_crc + framing + oversize already reported by ERROR */
    uint32_t current_baud;
    uint32_t previous_baud;
    uint8_t baud_unconfirmed;     /* switched; waiting for a good frame at the new rate */
    uint32_t baud_rx_mark;        /* counters.rx_frames when the switch happened */
    uint64_t baud_switched_at;    /* io->cycles() at the switch */
    /* step side: the profile of the inference running now (cycles per layer) */
    uint32_t layer_cycles[HIL_HARNESS_MAX_PROFILE_LAYERS];
    uint64_t mark_at;             /* io->cycles() at the last layer boundary */
    uint32_t arena_peak;          /* highest arena byte written since boot + 1 (painting) */
    volatile hil_harness_counters counters;
};

/* harness_tx.c */
void hh_put16(uint8_t *p, uint16_t v);
void hh_put32(uint8_t *p, uint32_t v);
void hh_put64(uint8_t *p, uint64_t v);
uint16_t hh_get16(const uint8_t *p);
uint32_t hh_get32(const uint8_t *p);
uint8_t *hh_payload(hil_harness *h);                       /* where a reply's payload is built */
void hh_send(hil_harness *h, uint8_t type, uint32_t payload_len);

/* harness_replies.c (step side) */
void hh_send_hello(hil_harness *h, uint8_t reason, uint16_t ref_seq);
void hh_send_pong(hil_harness *h, uint16_t ref_seq);
void hh_send_error(hil_harness *h, const hh_reply *r);
void hh_send_nak(hil_harness *h, const hh_reply *r);
void hh_send_baud_ack(hil_harness *h, uint16_t ref_seq, uint32_t baud);

/* harness_requests.c (receive side) */
void hh_dispatch(hil_harness *h, uint8_t type, uint16_t seq, const uint8_t *payload, uint32_t len);
void hh_queue(hil_harness *h, const hh_reply *r);
void hh_queue_error(hil_harness *h, uint8_t code, uint16_t ref_seq, int slot, uint32_t sample,
                    uint32_t value);

/* harness_baud.c (step side) */
void hh_set_baud(hil_harness *h, const hh_reply *r);
void hh_check_baud(hil_harness *h);

#endif
