/* hil's int8 inference runtime: one C implementation, compiled by arm-none-eabi-gcc into the
 * board firmware and by SwiftPM into the host (reference predictions, the mock board).
 *
 * Contract for every implementation file under Sources/CHilRuntime:
 *  - C99, no allocation, no libc beyond <stdint.h>, <stddef.h>, <string.h> (memcpy/memset).
 *  - Everything reads the model blob in place (flash on a board); nothing is copied out of it.
 *  - All arithmetic is integer and bit-exact across compilers and targets (no float in the
 *    inference path; float only in hil_model for reporting the quantisation parameters).
 * The binary format is specified in docs/model-format.md. */
#ifndef HIL_RUNTIME_H
#define HIL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HIL_MODEL_MAGIC 0x4D4C4948u /* "HILM" little-endian */
#define HIL_MODEL_FORMAT_VERSION 1u

typedef enum {
    HIL_OK = 0,
    HIL_ERR_TRUNCATED = 1,    /* the blob is shorter than its header or its sections say */
    HIL_ERR_MAGIC = 2,        /* not a hil model (or an erased / empty flash region) */
    HIL_ERR_VERSION = 3,      /* a format version this runtime does not read */
    HIL_ERR_CRC = 4,          /* the blob's CRC-32 does not match: corrupt */
    HIL_ERR_LAYER = 5,        /* an unknown operator or malformed layer record */
    HIL_ERR_SHAPE = 6,        /* shapes between layers do not chain, or exceed limits */
    HIL_ERR_ARENA = 7,        /* the arena given to hil_invoke is smaller than the model needs */
    HIL_ERR_ARGUMENT = 8      /* a NULL pointer or out-of-range index */
} hil_status;

/* Operators. Numbers are part of the file format: never renumber. */
typedef enum {
    HIL_OP_CONV2D = 1,
    HIL_OP_DEPTHWISE_CONV2D = 2,
    HIL_OP_MAX_POOL = 3,
    HIL_OP_AVG_POOL = 4,
    HIL_OP_GLOBAL_AVG_POOL = 5,
    HIL_OP_FULLY_CONNECTED = 6,
    HIL_OP_ADD = 7             /* residual add of the previous output and an earlier layer's output */
} hil_op;

typedef enum { HIL_ACT_NONE = 0, HIL_ACT_RELU = 1, HIL_ACT_RELU6 = 2 } hil_activation;

/* A parsed model: a view over the blob plus what a host needs to describe it. */
typedef struct {
    const uint8_t *blob;
    uint32_t size;
    const char *name;          /* model id, points into the blob, name_len bytes, not NUL-terminated */
    uint16_t name_len;
    uint16_t input_h, input_w, input_c;   /* int8 NHWC input, batch 1 */
    float input_scale;         /* real = (q - input_zero_point) * input_scale */
    int32_t input_zero_point;
    float output_scale;        /* of the final layer's int8 scores */
    int32_t output_zero_point;
    uint16_t class_count;      /* the final layer's output length */
    uint16_t layer_count;
    uint32_t arena_bytes;      /* what hil_invoke needs in `arena` */
    uint64_t params;           /* weights + biases */
    uint64_t macs;             /* multiply-accumulates of one inference */
    uint32_t weight_bytes;     /* flash bytes of weights, biases and requantisation tables */
} hil_model;

typedef struct {
    uint8_t op;                /* hil_op */
    uint8_t activation;        /* hil_activation */
    uint16_t in_h, in_w, in_c;
    uint16_t out_h, out_w, out_c;
    uint8_t kernel_h, kernel_w, stride_h, stride_w;
    uint64_t macs;
    uint32_t params;
} hil_layer_info;

/* Parses and validates `blob` (header, CRC-32, every layer, shape chaining). Fills `m`. */
hil_status hil_model_load(hil_model *m, const uint8_t *blob, uint32_t size);

/* Label of class `index` (UTF-8, not NUL-terminated); NULL when out of range. */
const char *hil_model_label(const hil_model *m, uint16_t index, uint16_t *len);

hil_status hil_model_layer_info(const hil_model *m, uint16_t index, hil_layer_info *out);

/* Runs one inference: `input` is input_h*input_w*input_c int8 values (NHWC); `scores` receives
 * class_count int8 values (the final layer's quantised output). Deterministic and bit-exact. */
hil_status hil_invoke(const hil_model *m, const int8_t *input, uint8_t *arena, uint32_t arena_size, int8_t *scores);

/* Called by hil_invoke with 0 before the first layer and with i + 1 after layer i, so a firmware
 * can time each layer (the QEMU harness records its SysTick count; firmware-benchmark reads the
 * marks over GDB). The runtime's own definition is weak and does nothing. */
void hil_layer_mark(uint16_t boundary);

/* A layer-boundary callback with a context: called like hil_layer_mark (0 before the first layer,
 * i + 1 after layer i). The harness times layers through it, one harness per context, so several
 * mock boards in one process never share a timer. */
typedef void (*hil_mark_fn)(void *ctx, uint16_t boundary);

/* hil_invoke, calling `mark(ctx, boundary)` at every layer boundary (after hil_layer_mark) when
 * `mark` is not NULL. Same arithmetic, same result. */
hil_status hil_invoke_marked(const hil_model *m, const int8_t *input, uint8_t *arena, uint32_t arena_size,
                             int8_t *scores, hil_mark_fn mark, void *ctx);

/* Index of the largest score; the lowest index wins ties. */
uint16_t hil_argmax(const int8_t *scores, uint16_t count);

/* Words for a status code, for error frames and host messages. */
const char *hil_status_text(hil_status s);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32): pass 0 to start, feed on. */
uint32_t hil_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* SHA-256 of data; the model hash is hil_sha256 of the whole blob. */
void hil_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* ---- Additions by the runtime (docs/model-format.md) ------------------------------------- */

/* Fixed facts of format version 1, for writers and tools. */
#define HIL_MODEL_HEADER_SIZE 72u        /* bytes of the version-1 header */
#define HIL_LAYER_HEADER_SIZE 28u        /* bytes of every layer record's common header */
#define HIL_ADD_SOURCE_INPUT 0xFFFFu     /* ADD source meaning "the model input" */
#define HIL_ADD_LEFT_SHIFT 20            /* ADD scales (q - zp) by 2^20 before rescaling */

/* Limits the loader enforces (so every sum fits int32 and every size fits uint32). */
#define HIL_MAX_LAYERS 1024u
#define HIL_MAX_TENSOR_BYTES (1u << 22)  /* elements of any one tensor (H*W*C) */
#define HIL_MAX_ACC_DEPTH 32768u         /* products summed per output: kh*kw*in_c, kh*kw, or N */
#define HIL_MAX_BIAS_MAGNITUDE 0x40000000 /* |bias| <= 2^30 */

/* The requantisation every layer uses: round(x * multiplier * 2^(shift - 31)) as TFLite's
 * MultiplyByQuantizedMultiplier does it (saturating rounding doubling high multiply, then a
 * rounding right shift; a positive shift is a saturating left shift first). `shift` outside
 * [-31, 30] is clamped to that range. Exposed so tools and tests can check the arithmetic. */
int32_t hil_requantize(int32_t x, int32_t multiplier, int32_t shift);

/* Short lower-case name of an operator ("conv2d", "depthwise_conv2d", ...); "unknown" otherwise. */
const char *hil_op_name(uint8_t op);

/* "none", "relu", "relu6"; "unknown" otherwise. */
const char *hil_activation_name(uint8_t activation);

#ifdef __cplusplus
}
#endif
#endif
