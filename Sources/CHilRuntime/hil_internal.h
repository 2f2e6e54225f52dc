/* Private to the runtime: byte readers, record offsets and the parsed view of a layer record.
 * The layout these offsets describe is docs/model-format.md; keep the two in step. */
#ifndef HIL_INTERNAL_H
#define HIL_INTERNAL_H

#include "hil_runtime.h"

/* Little-endian reads through single bytes: the blob sits in flash at any alignment, and a
 * byte-wise read is portable C that compilers fold into one load where the target allows it. */
static inline uint16_t hil_rd_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t hil_rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
/* uint32 -> int32 by value, without relying on implementation-defined conversion. */
static inline int32_t hil_u32_to_i32(uint32_t v)
{
    return v <= 0x7FFFFFFFu ? (int32_t)v : (int32_t)(v - 0x80000000u) - 0x7FFFFFFF - 1;
}
static inline int32_t hil_rd_i32(const uint8_t *p) { return hil_u32_to_i32(hil_rd_u32(p)); }
static inline int8_t hil_u8_to_i8(uint8_t v) { return v <= 127 ? (int8_t)v : (int8_t)((int)v - 256); }

/* sum over i < n of (x[i] - in_zp) * w[i]: the inner loop of convolution and fully connected.
 * On a core with the DSP extension (Cortex-M4/M7: __ARM_FEATURE_DSP) four products take two
 * word loads, four SXTB16 (sign-extending bytes 0,2 and, rotated, 1,3 into halfword pairs), two
 * SSUB16 and two SMLAD, against a load-load-subtract-multiply-accumulate per byte in plain C:
 * 2.3× fewer instructions on the pruned ASL network (docs/mock-board.md). The sums are the same
 * integers: each difference fits a halfword (|x - zp| <= 255), each SMLAD adds exact products
 * with the same 32-bit wrap as the C loop, and the tail is the C loop. The host build (the
 * reference every prediction is checked against) takes the plain loop. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
static inline uint32_t hil_rd_word(const int8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);  /* one LDR: ARMv7-M allows unaligned word loads */
    return v;
}
static inline int32_t hil_dot_i8(const int8_t *x, const int8_t *w, int32_t n, int32_t in_zp)
{
    const uint32_t zp2 = ((uint32_t)(uint16_t)in_zp << 16) | (uint16_t)in_zp;
    int32_t acc = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint32_t xv = hil_rd_word(x + i), wv = hil_rd_word(w + i);
        uint32_t x02, x13, w02, w13;
        __asm__("sxtb16 %0, %1" : "=r"(x02) : "r"(xv));
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(x13) : "r"(xv));
        __asm__("sxtb16 %0, %1" : "=r"(w02) : "r"(wv));
        __asm__("sxtb16 %0, %1, ror #8" : "=r"(w13) : "r"(wv));
        __asm__("ssub16 %0, %1, %2" : "=r"(x02) : "r"(x02), "r"(zp2));
        __asm__("ssub16 %0, %1, %2" : "=r"(x13) : "r"(x13), "r"(zp2));
        __asm__("smlad %0, %1, %2, %3" : "=r"(acc) : "r"(x02), "r"(w02), "r"(acc));
        __asm__("smlad %0, %1, %2, %3" : "=r"(acc) : "r"(x13), "r"(w13), "r"(acc));
    }
    for (; i < n; i++) acc += (x[i] - in_zp) * w[i];
    return acc;
}
#else
static inline int32_t hil_dot_i8(const int8_t *x, const int8_t *w, int32_t n, int32_t in_zp)
{
    int32_t acc = 0, i;
    for (i = 0; i < n; i++) acc += (x[i] - in_zp) * w[i];
    return acc;
}
#endif

/* Model header (72 bytes). */
enum {
    HDR_MAGIC = 0, HDR_VERSION = 4, HDR_HEADER_SIZE = 6, HDR_TOTAL_SIZE = 8, HDR_CRC = 12,
    HDR_ARENA = 16, HDR_PARAMS = 20, HDR_MACS = 24,
    HDR_IN_H = 32, HDR_IN_W = 34, HDR_IN_C = 36, HDR_CLASSES = 38,
    HDR_IN_SCALE = 40, HDR_IN_ZP = 44, HDR_OUT_SCALE = 48, HDR_OUT_ZP = 52,
    HDR_LAYER_COUNT = 56, HDR_NAME_LEN = 58, HDR_NAME_OFS = 60, HDR_LABELS_OFS = 64,
    HDR_LAYERS_OFS = 68
};
/* The CRC covers everything after its own field. */
#define HIL_CRC_START 16u

/* Common layer header (28 bytes), then the operator's parameter block. */
enum {
    LR_OP = 0, LR_ACT = 1, LR_ACT_MIN = 2, LR_ACT_MAX = 3, LR_LEN = 4,
    LR_IN_H = 8, LR_IN_W = 10, LR_IN_C = 12, LR_OUT_H = 14, LR_OUT_W = 16, LR_OUT_C = 18,
    LR_OUT_ZP = 20, LR_OUT_OFS = 24, LR_PARAMS = 28
};
/* Parameter block sizes per operator. */
#define HIL_WINDOW_PARAMS 8u   /* kh kw sh sw pad_top pad_left pad_bottom pad_right */
#define HIL_CONV_PARAMS 12u    /* window + depth_multiplier + 3 reserved */
#define HIL_ADD_PARAMS 28u     /* source u16, reserved u16, 3 x (multiplier i32, shift i32) */

/* A layer record, parsed. Array pointers point into the blob (unaligned little-endian). */
typedef struct {
    const uint8_t *rec;
    uint32_t len;
    uint8_t op, act;
    int8_t act_min, act_max;
    uint16_t in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t out_zp;
    uint32_t out_offset;
    /* window ops */
    uint8_t kh, kw, sh, sw, pad_t, pad_l, pad_b, pad_r, depth_mult;
    /* conv, depthwise, fully connected: per-output-channel arrays */
    const uint8_t *bias, *mult, *shift;
    const int8_t *weights;
    uint32_t weight_count;
    /* add */
    uint16_t source;
    int32_t add_mult[3], add_shift[3];  /* [0] current tensor, [1] source, [2] output */
} hil_layer;

/* Reads the record at `p` with `avail` bytes left in the layer section. Checks only what it
 * needs to read safely: HIL_ERR_TRUNCATED if the header, parameters or record_len overrun
 * `avail`, HIL_ERR_LAYER for an unknown operator or a record_len other than the one the
 * parameters imply. On a loaded model it cannot fail. */
hil_status hil_layer_read(const uint8_t *p, uint32_t avail, hil_layer *L);

/* Everything about one record that needs no neighbour: value ranges, reserved bytes, the
 * output shape its parameters imply, limits. HIL_ERR_LAYER or HIL_ERR_SHAPE. */
hil_status hil_layer_check(const hil_layer *L);

/* Multiply-accumulates, parameters and flash bytes of arrays of one layer. */
uint64_t hil_layer_macs(const hil_layer *L);
uint32_t hil_layer_params(const hil_layer *L);
uint32_t hil_layer_weight_bytes(const hil_layer *L);

static inline uint32_t hil_layer_out_bytes(const hil_layer *L)
{
    return (uint32_t)L->out_h * L->out_w * L->out_c;
}

/* The first record and its byte budget. */
const uint8_t *hil_first_layer(const hil_model *m, uint32_t *avail);

/* Rounds x to the output zero point and the activation's clamp. */
static inline int8_t hil_finish(int32_t r, int32_t zp, int8_t lo, int8_t hi)
{
    /* Past +-1024 the clamp to [-128, 127] decides alone; limiting first keeps r + zp exact. */
    if (r > 1024) r = 1024;
    if (r < -1024) r = -1024;
    r += zp;
    if (r < lo) r = lo;
    if (r > hi) r = hi;
    return (int8_t)r;
}

/* Kernels. `in`/`out` are NHWC int8 tensors in the arena (or the caller's input). */
void hil_conv2d(const hil_layer *L, const int8_t *in, int32_t in_zp, int8_t *out);
void hil_depthwise_conv2d(const hil_layer *L, const int8_t *in, int32_t in_zp, int8_t *out);
void hil_max_pool(const hil_layer *L, const int8_t *in, int8_t *out);
void hil_avg_pool(const hil_layer *L, const int8_t *in, int8_t *out);
void hil_global_avg_pool(const hil_layer *L, const int8_t *in, int8_t *out);
void hil_fully_connected(const hil_layer *L, const int8_t *in, int32_t in_zp, int8_t *out);
void hil_add(const hil_layer *L, const int8_t *a, int32_t a_zp, const int8_t *b, int32_t b_zp,
             int8_t *out);

/* Rounded mean of `sum` over `count` (> 0) values, half away from zero. */
static inline int32_t hil_rounded_mean(int32_t sum, int32_t count)
{
    return sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

#endif
