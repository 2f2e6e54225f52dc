/* Reading and checking one layer record (docs/model-format.md, "Layer records"). The loader
 * runs both functions on every record; hil_invoke and hil_model_layer_info only read, since a
 * loaded model has been checked. */
#include <string.h>
#include "hil_internal.h"

static uint32_t pad4(uint32_t n) { return (n + 3u) & ~3u; }

/* Bytes of the parameter block that follows the 28-byte header, or 0xFF for an unknown op. */
static uint32_t param_bytes(uint8_t op)
{
    switch (op) {
    case HIL_OP_CONV2D:
    case HIL_OP_DEPTHWISE_CONV2D: return HIL_CONV_PARAMS;
    case HIL_OP_MAX_POOL:
    case HIL_OP_AVG_POOL: return HIL_WINDOW_PARAMS;
    case HIL_OP_GLOBAL_AVG_POOL:
    case HIL_OP_FULLY_CONNECTED: return 0;
    case HIL_OP_ADD: return HIL_ADD_PARAMS;
    default: return 0xFFu;
    }
}

static int has_arrays(uint8_t op)
{
    return op == HIL_OP_CONV2D || op == HIL_OP_DEPTHWISE_CONV2D || op == HIL_OP_FULLY_CONNECTED;
}

hil_status hil_layer_read(const uint8_t *p, uint32_t avail, hil_layer *L)
{
    uint32_t params, base;
    uint64_t expected;
    if (avail < HIL_LAYER_HEADER_SIZE) return HIL_ERR_TRUNCATED;
    L->rec = p;
    L->op = p[LR_OP];
    L->act = p[LR_ACT];
    L->act_min = hil_u8_to_i8(p[LR_ACT_MIN]);
    L->act_max = hil_u8_to_i8(p[LR_ACT_MAX]);
    L->len = hil_rd_u32(p + LR_LEN);
    L->in_h = hil_rd_u16(p + LR_IN_H);
    L->in_w = hil_rd_u16(p + LR_IN_W);
    L->in_c = hil_rd_u16(p + LR_IN_C);
    L->out_h = hil_rd_u16(p + LR_OUT_H);
    L->out_w = hil_rd_u16(p + LR_OUT_W);
    L->out_c = hil_rd_u16(p + LR_OUT_C);
    L->out_zp = hil_rd_i32(p + LR_OUT_ZP);
    L->out_offset = hil_rd_u32(p + LR_OUT_OFS);
    L->kh = L->kw = L->sh = L->sw = 0;
    L->pad_t = L->pad_l = L->pad_b = L->pad_r = 0;
    L->depth_mult = 0;
    L->bias = L->mult = L->shift = NULL;
    L->weights = NULL;
    L->weight_count = 0;
    L->source = 0;
    memset(L->add_mult, 0, sizeof L->add_mult);
    memset(L->add_shift, 0, sizeof L->add_shift);

    params = param_bytes(L->op);
    if (params == 0xFFu) return HIL_ERR_LAYER;
    base = HIL_LAYER_HEADER_SIZE + params;
    if (avail < base) return HIL_ERR_TRUNCATED;

    if (params >= HIL_WINDOW_PARAMS && L->op != HIL_OP_ADD) {
        const uint8_t *q = p + LR_PARAMS;
        L->kh = q[0]; L->kw = q[1]; L->sh = q[2]; L->sw = q[3];
        L->pad_t = q[4]; L->pad_l = q[5]; L->pad_b = q[6]; L->pad_r = q[7];
        if (params == HIL_CONV_PARAMS) L->depth_mult = q[8];
    }
    expected = base;
    if (L->op == HIL_OP_ADD) {
        const uint8_t *q = p + LR_PARAMS;
        int i;
        L->source = hil_rd_u16(q);
        for (i = 0; i < 3; i++) {
            L->add_mult[i] = hil_rd_i32(q + 4 + 8 * i);
            L->add_shift[i] = hil_rd_i32(q + 8 + 8 * i);
        }
    } else if (has_arrays(L->op)) {
        /* Per output channel: bias i32, multiplier i32, shift i8 (padded to 4), then weights. */
        uint64_t count;
        uint32_t ch = L->out_c;
        if (L->op == HIL_OP_CONV2D)
            count = (uint64_t)ch * L->kh * L->kw * L->in_c;
        else if (L->op == HIL_OP_DEPTHWISE_CONV2D)
            count = (uint64_t)L->kh * L->kw * ch;
        else
            count = (uint64_t)L->in_h * L->in_w * L->in_c * ch;
        expected = (uint64_t)base + 8u * ch + pad4(ch) + ((count + 3u) & ~(uint64_t)3u);
        if (expected == L->len && expected <= avail) {
            L->bias = p + base;
            L->mult = L->bias + 4u * ch;
            L->shift = L->mult + 4u * ch;
            L->weights = (const int8_t *)(L->shift + pad4(ch));
            L->weight_count = (uint32_t)count;
        }
    }
    if (L->len != expected) return HIL_ERR_LAYER;
    if (L->len > avail) return HIL_ERR_TRUNCATED;
    return HIL_OK;
}

/* Output extent of a window along one axis, or 0 when the padded input is smaller than it. */
static uint32_t window_out(uint32_t in, uint32_t k, uint32_t s, uint32_t pa, uint32_t pb)
{
    if (in + pa + pb < k) return 0;
    return (in + pa + pb - k) / s + 1u;
}

static int zero_bytes(const uint8_t *p, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++)
        if (p[i] != 0) return 0;
    return 1;
}

static hil_status check_window(const hil_layer *L)
{
    if (L->kh == 0 || L->kw == 0 || L->sh == 0 || L->sw == 0) return HIL_ERR_LAYER;
    /* Padding narrower than the kernel: every window then covers at least one real pixel,
     * so an average never divides by zero and no output is made of padding alone. */
    if (L->pad_t >= L->kh || L->pad_b >= L->kh || L->pad_l >= L->kw || L->pad_r >= L->kw)
        return HIL_ERR_LAYER;
    if (L->out_h != window_out(L->in_h, L->kh, L->sh, L->pad_t, L->pad_b) ||
        L->out_w != window_out(L->in_w, L->kw, L->sw, L->pad_l, L->pad_r))
        return HIL_ERR_SHAPE;
    return HIL_OK;
}

static hil_status check_arrays(const hil_layer *L)
{
    uint32_t c, ch = L->out_c;
    for (c = 0; c < ch; c++) {
        int32_t bias = hil_rd_i32(L->bias + 4u * c);
        int32_t shift = hil_u8_to_i8(L->shift[c]);
        if (bias > HIL_MAX_BIAS_MAGNITUDE || bias < -HIL_MAX_BIAS_MAGNITUDE) return HIL_ERR_LAYER;
        if (hil_rd_i32(L->mult + 4u * c) < 0) return HIL_ERR_LAYER;
        if (shift < -31 || shift > 30) return HIL_ERR_LAYER;
    }
    /* Alignment padding is zero so that one model has one byte image. */
    if (!zero_bytes(L->shift + ch, pad4(ch) - ch)) return HIL_ERR_LAYER;
    if (!zero_bytes((const uint8_t *)L->weights + L->weight_count,
                    pad4(L->weight_count) - L->weight_count))
        return HIL_ERR_LAYER;
    return HIL_OK;
}

hil_status hil_layer_check(const hil_layer *L)
{
    hil_status s;
    uint64_t depth = 0;

    /* Activation: the clamp bytes must be what the activation implies (ReLU6's top depends on
     * the output scale, which the runtime does not know, so only its order is checked). */
    if (L->out_zp < -128 || L->out_zp > 127) return HIL_ERR_LAYER;
    if (L->act_min > L->act_max) return HIL_ERR_LAYER;
    switch (L->act) {
    case HIL_ACT_NONE:
        if (L->act_min != -128 || L->act_max != 127) return HIL_ERR_LAYER;
        break;
    case HIL_ACT_RELU:
        if (L->act_min != L->out_zp || L->act_max != 127) return HIL_ERR_LAYER;
        break;
    case HIL_ACT_RELU6:
        if (L->act_min != L->out_zp) return HIL_ERR_LAYER;
        break;
    default: return HIL_ERR_LAYER;
    }

    if (L->in_h == 0 || L->in_w == 0 || L->in_c == 0 || L->out_h == 0 || L->out_w == 0 ||
        L->out_c == 0)
        return HIL_ERR_SHAPE;
    if ((uint64_t)L->in_h * L->in_w * L->in_c > HIL_MAX_TENSOR_BYTES ||
        (uint64_t)L->out_h * L->out_w * L->out_c > HIL_MAX_TENSOR_BYTES)
        return HIL_ERR_SHAPE;

    switch (L->op) {
    case HIL_OP_CONV2D:
    case HIL_OP_DEPTHWISE_CONV2D:
        if (!zero_bytes(L->rec + LR_PARAMS + 9, 3)) return HIL_ERR_LAYER;
        if (L->op == HIL_OP_CONV2D) {
            if (L->depth_mult != 1) return HIL_ERR_LAYER;
            depth = (uint64_t)L->kh * L->kw * L->in_c;
        } else {
            if (L->depth_mult == 0) return HIL_ERR_LAYER;
            if (L->out_c != (uint32_t)L->in_c * L->depth_mult) return HIL_ERR_SHAPE;
            depth = (uint64_t)L->kh * L->kw;
        }
        if ((s = check_window(L)) != HIL_OK) return s;
        if ((s = check_arrays(L)) != HIL_OK) return s;
        break;
    case HIL_OP_MAX_POOL:
    case HIL_OP_AVG_POOL:
        if ((s = check_window(L)) != HIL_OK) return s;
        if (L->out_c != L->in_c) return HIL_ERR_SHAPE;
        break;
    case HIL_OP_GLOBAL_AVG_POOL:
        if (L->out_h != 1 || L->out_w != 1 || L->out_c != L->in_c) return HIL_ERR_SHAPE;
        break;
    case HIL_OP_FULLY_CONNECTED:
        if (L->out_h != 1 || L->out_w != 1) return HIL_ERR_SHAPE;
        depth = (uint64_t)L->in_h * L->in_w * L->in_c;
        if ((s = check_arrays(L)) != HIL_OK) return s;
        break;
    case HIL_OP_ADD: {
        int i;
        if (!zero_bytes(L->rec + LR_PARAMS + 2, 2)) return HIL_ERR_LAYER;
        if (L->out_h != L->in_h || L->out_w != L->in_w || L->out_c != L->in_c) return HIL_ERR_SHAPE;
        for (i = 0; i < 3; i++)
            if (L->add_mult[i] < 0 || L->add_shift[i] < -31 || L->add_shift[i] > 30) return HIL_ERR_LAYER;
        /* Input rescales must not grow (shift <= 0), which bounds each term by 2^28 and the
         * sum of the two by 2^29: no int32 overflow. */
        if (L->add_shift[0] > 0 || L->add_shift[1] > 0) return HIL_ERR_LAYER;
        break;
    }
    default: return HIL_ERR_LAYER;
    }
    /* Bounds every accumulator: depth * 255 * 128 + 2^30 < 2^31. */
    if (depth > HIL_MAX_ACC_DEPTH) return HIL_ERR_SHAPE;
    return HIL_OK;
}

uint64_t hil_layer_macs(const hil_layer *L)
{
    uint64_t out = (uint64_t)L->out_h * L->out_w * L->out_c;
    switch (L->op) {
    case HIL_OP_CONV2D: return out * L->kh * L->kw * L->in_c;
    case HIL_OP_DEPTHWISE_CONV2D: return out * L->kh * L->kw;
    case HIL_OP_FULLY_CONNECTED: return (uint64_t)L->in_h * L->in_w * L->in_c * L->out_c;
    default: return 0;
    }
}

uint32_t hil_layer_params(const hil_layer *L)
{
    return has_arrays(L->op) ? L->weight_count + L->out_c : 0;
}

uint32_t hil_layer_weight_bytes(const hil_layer *L)
{
    if (has_arrays(L->op)) return L->weight_count + 9u * L->out_c;
    if (L->op == HIL_OP_ADD) return 24u;
    return 0;
}
