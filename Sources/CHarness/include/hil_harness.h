/* The device side of hil's harness protocol (docs/harness-protocol.md): one C implementation,
 * compiled into the board firmware and into the host, where the mock board runs it behind a pty.
 *
 * The harness owns no hardware. The platform gives it bytes it received (from the UART ISR on a
 * board, from the pty reader on the mock board) and calls hil_harness_step from its main loop;
 * the harness answers through the hooks in hil_harness_io. C99, no allocation.
 *
 * THE FUNCTIONS AND HOOKS BELOW ARE A CONTRACT between the firmware, the mock board and the
 * protocol: keep their names and meaning. The struct's fields are the implementation's. */
#ifndef HIL_HARNESS_H
#define HIL_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include "hil_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2: INFER may ask for a per-layer profile, answered by LAYER_PROFILE before the RESULT
 * (docs/harness-protocol.md §4.8). A version-1 host never asks; a version-1 device ignores the ask. */
#define HIL_HARNESS_PROTOCOL_VERSION 2u

/* Which timer measured the cycles in RESULT frames. Reported in HELLO; the host shows it with
 * every latency figure so an estimate is never read as a measurement. */
typedef enum {
    HIL_TIMER_DWT_CYCCNT = 0,      /* a board's Cortex-M DWT cycle counter: measured */
    HIL_TIMER_SYSTICK_EMULATED = 1,/* QEMU's SysTick under -icount: emulated */
    HIL_TIMER_ESTIMATED = 2        /* the mock board's per-layer cost model: estimated */
} hil_timer_kind;

/* Where the harness stands with its model, reported in HELLO. */
typedef enum {
    HIL_MODEL_READY = 0,
    HIL_MODEL_EMPTY = 1,           /* the model region is erased */
    HIL_MODEL_CORRUPT = 2,         /* magic present but CRC, version or layers wrong */
    HIL_MODEL_TOO_BIG = 3          /* the model needs a larger arena or input buffer than this build has */
} hil_model_state;

typedef struct {
    void *ctx;
    /* Sends bytes to the host (UART TX / the pty). May block until they are queued. */
    void (*write)(void *ctx, const uint8_t *data, size_t len);
    /* A free-running cycle counter (DWT_CYCCNT widened to 64 bits, or SysTick-derived).
     * NULL when estimate_cycles is set. */
    uint64_t (*cycles)(void *ctx);
    /* Mock boards only: the estimated cycles of one inference of `m`, reported instead of a
     * measurement (the timer kind must then be HIL_TIMER_ESTIMATED). NULL on hardware. */
    uint64_t (*estimate_cycles)(void *ctx, const hil_model *m);
    /* Switches the UART to `baud` after the acknowledgement has left the wire.
     * Returns 0 when the rate is possible, non-zero to refuse it. */
    int (*set_baud)(void *ctx, uint32_t baud);
    /* Mock boards only: the estimated cycles of layer `layer` of `m`, for a profiled inference
     * (with estimate_cycles). NULL on hardware, where io->cycles times each layer. */
    uint64_t (*estimate_layer_cycles)(void *ctx, const hil_model *m, uint16_t layer);
    /* The most stack bytes the firmware has used since boot (painted at reset, read back), for
     * LAYER_PROFILE; NULL where it is not measured (the host-compiled mock). */
    uint32_t (*stack_peak)(void *ctx);
} hil_harness_io;

typedef struct {
    const char *board;             /* e.g. "stm32f746g-disco", "mock", "qemu-mps2-an500" */
    const char *build_id;          /* the firmware's build id (git describe, date) */
    uint32_t core_clock_hz;        /* e.g. 216000000 */
    uint8_t timer_kind;            /* hil_timer_kind */
    uint32_t current_baud;         /* the UART's rate at boot */
    uint32_t max_baud;             /* the highest rate set_baud accepts */
    uint8_t cache_flags;           /* bit 0 I-cache on, bit 1 D-cache on, bit 2 ART on (reported as is) */
} hil_harness_config;

/* Implementation-defined state; sized so a board can allocate it statically. */
typedef struct hil_harness hil_harness;
size_t hil_harness_state_size(void);

/* Prepares the harness. `model_region` points at the flash region that should hold a model blob
 * (it may be erased or corrupt: HELLO says so); `arena` is the inference arena; `input_buffers`
 * is room for two inputs (double buffering: one streams in while the other runs), each
 * `input_buffer_size` bytes. The harness keeps the pointers. */
void hil_harness_init(hil_harness *h, const hil_harness_config *config, const hil_harness_io *io,
                      const uint8_t *model_region, uint32_t model_region_size,
                      uint8_t *arena, uint32_t arena_size,
                      uint8_t *input_buffers, uint32_t input_buffer_size);

/* Announces the harness: sends HELLO. Call once after init (and after every reset). */
void hil_harness_start(hil_harness *h);

/* Feeds bytes received from the host. Cheap enough for an ISR: it only decodes frames and
 * stores input chunks; inference happens in hil_harness_step. */
void hil_harness_receive(hil_harness *h, const uint8_t *data, size_t len);

/* Main-loop work: runs one ready inference (if any) and sends its RESULT; answers queued
 * requests. Returns non-zero if it did something. */
int hil_harness_step(hil_harness *h);

/* ---- Added by the protocol implementation (docs/harness-protocol.md); nothing above changed. ---- */

/* Largest frame payload this build accepts and sends (HELLO reports it). The default takes a 9-byte
 * INPUT header plus 1024 input bytes; a firmware may raise it with -D (RAM: about 2x this). */
#ifndef HIL_HARNESS_MAX_PAYLOAD
#define HIL_HARNESS_MAX_PAYLOAD 1033u
#endif
/* Most classes a model may have here: RESULT scores and the scores buffer are sized by it. */
#ifndef HIL_HARNESS_MAX_CLASSES
#define HIL_HARNESS_MAX_CLASSES 512u
#endif
#define HIL_HARNESS_INPUT_BUFFERS 2u
/* Most layers a profile records (cycles per layer, u32 each in the state); a model with more is
 * answered with an empty LAYER_PROFILE that says how many layers it has. */
#ifndef HIL_HARNESS_MAX_PROFILE_LAYERS
#define HIL_HARNESS_MAX_PROFILE_LAYERS 128u
#endif
/* An upper bound of hil_harness_state_size(), for static allocation (checked at compile time). */
#define HIL_HARNESS_STATE_BYTES (2u * HIL_HARNESS_MAX_PAYLOAD + HIL_HARNESS_MAX_CLASSES \
                                 + 4u * HIL_HARNESS_MAX_PROFILE_LAYERS + 1088u)
/* Arena bytes are painted with this at init; the highest byte no longer holding it after an
 * inference is the arena's measured peak (LAYER_PROFILE). */
#define HIL_HARNESS_ARENA_PAINT 0xA5u

/* Frame types. Host to device below 0x80, device to host from 0x81. Part of the wire format. */
typedef enum {
    HIL_FRAME_HELLO_REQUEST = 0x01,
    HIL_FRAME_PING = 0x02,
    HIL_FRAME_SET_BAUD = 0x03,
    HIL_FRAME_INPUT = 0x04,
    HIL_FRAME_INFER = 0x05,
    HIL_FRAME_HELLO = 0x81,
    HIL_FRAME_LABELS = 0x82,
    HIL_FRAME_PONG = 0x83,
    HIL_FRAME_BAUD_ACK = 0x84,
    HIL_FRAME_NAK = 0x85,
    HIL_FRAME_RESULT = 0x86,
    HIL_FRAME_ERROR = 0x87,
    HIL_FRAME_LAYER_PROFILE = 0x88
} hil_frame_type;

/* ERROR frame codes. Part of the wire format. */
typedef enum {
    HIL_HERR_BAD_FRAME = 1,        /* frames dropped for CRC, truncation or size since the last report */
    HIL_HERR_UNKNOWN_TYPE = 2,
    HIL_HERR_BAD_PAYLOAD = 3,      /* payload too short or a slot index out of range */
    HIL_HERR_NO_MODEL = 4,         /* the model is not ready; value = hil_model_state */
    HIL_HERR_INPUT_RANGE = 5,      /* chunk outside the model's input; value = input size */
    HIL_HERR_INPUT_INCOMPLETE = 6, /* INFER before the input was complete; value = bytes received */
    HIL_HERR_UNKNOWN_SAMPLE = 7,   /* INFER for a sample the slot does not hold */
    HIL_HERR_BUSY = 8,             /* the slot holds another sample that is queued or running */
    HIL_HERR_BAUD_REFUSED = 9,     /* value = the highest rate accepted */
    HIL_HERR_INFER_FAILED = 10     /* hil_invoke failed; value = hil_status */
} hil_harness_error;

/* What an input buffer ("slot") holds; reported per slot in PONG. */
typedef enum {
    HIL_SLOT_FREE = 0,
    HIL_SLOT_FILLING = 1,
    HIL_SLOT_QUEUED = 2,
    HIL_SLOT_RUNNING = 3
} hil_slot_state;

typedef struct {
    uint32_t rx_frames;            /* frames with a good CRC */
    uint32_t rx_crc_errors;
    uint32_t rx_framing_errors;    /* truncated COBS or shorter than a header */
    uint32_t rx_oversize;
    uint32_t rx_seq_gaps;          /* host frames missing by sequence number */
    uint32_t replies_dropped;      /* replies lost because the reply queue was full */
    uint32_t tx_frames;
    uint32_t inferences;
    uint32_t baud_reverts;         /* baud switches undone for want of a frame at the new rate */
} hil_harness_counters;

/* Sets the boot id HELLO and RESULT carry. Call between init and start with a value that differs
 * per reset (the RNG, or a counter in a backup register); without it init derives one that differs
 * per init within one process (the mock board) but not necessarily across real resets. */
void hil_harness_set_boot_id(hil_harness *h, uint32_t boot_id);
uint32_t hil_harness_boot_id(const hil_harness *h);
hil_model_state hil_harness_model_state(const hil_harness *h);
void hil_harness_get_counters(const hil_harness *h, hil_harness_counters *out);

#ifdef __cplusplus
}
#endif
#endif
