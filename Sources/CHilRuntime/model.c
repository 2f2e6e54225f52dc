/* Loading a model: the header, the CRC, the name and labels, and every layer record, checked
 * until hil_invoke can trust the blob without another bounds test (docs/model-format.md,
 * "What the loader checks"). */
#include <string.h>
#include "hil_internal.h"

/* A float field is acceptable as a scale when positive and finite (checked on its bits, so no
 * float arithmetic is needed on the board). */
static int valid_scale(uint32_t bits) { return bits != 0 && bits < 0x7F800000u; }

static float bits_to_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int overlaps(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
    return (uint64_t)a < (uint64_t)b + bn && (uint64_t)b < (uint64_t)a + an;
}

const uint8_t *hil_first_layer(const hil_model *m, uint32_t *avail)
{
    uint32_t ofs = hil_rd_u32(m->blob + HDR_LAYERS_OFS);
    *avail = m->size - ofs;
    return m->blob + ofs;
}

/* Header, CRC and string sections. */
static hil_status load_header(hil_model *m, const uint8_t *b, uint32_t size)
{
    uint32_t header_size, total, name_ofs, labels_ofs, layers_ofs, p, i;
    if (size < 4) return HIL_ERR_TRUNCATED;
    if (hil_rd_u32(b + HDR_MAGIC) != HIL_MODEL_MAGIC) return HIL_ERR_MAGIC;
    if (size < 8) return HIL_ERR_TRUNCATED;
    if (hil_rd_u16(b + HDR_VERSION) != HIL_MODEL_FORMAT_VERSION) return HIL_ERR_VERSION;
    header_size = hil_rd_u16(b + HDR_HEADER_SIZE);
    /* A version-1 header is at least 72 bytes; longer ones carry fields this reader skips. */
    if (header_size < HIL_MODEL_HEADER_SIZE || header_size % 4u != 0) return HIL_ERR_VERSION;
    if (size < 12) return HIL_ERR_TRUNCATED;
    total = hil_rd_u32(b + HDR_TOTAL_SIZE);
    if (total < header_size || total > size) return HIL_ERR_TRUNCATED;
    if (hil_crc32(0, b + HIL_CRC_START, total - HIL_CRC_START) != hil_rd_u32(b + HDR_CRC))
        return HIL_ERR_CRC;

    /* Sections in order: header, name, labels, layers; layers end the blob. */
    name_ofs = hil_rd_u32(b + HDR_NAME_OFS);
    labels_ofs = hil_rd_u32(b + HDR_LABELS_OFS);
    layers_ofs = hil_rd_u32(b + HDR_LAYERS_OFS);
    m->name_len = hil_rd_u16(b + HDR_NAME_LEN);
    m->class_count = hil_rd_u16(b + HDR_CLASSES);
    if (name_ofs < header_size || (uint64_t)name_ofs + m->name_len > labels_ofs ||
        labels_ofs > layers_ofs || layers_ofs > total || layers_ofs % 4u != 0)
        return HIL_ERR_TRUNCATED;
    p = labels_ofs;
    for (i = 0; i < m->class_count; i++) {
        if (layers_ofs - p < 2u) return HIL_ERR_TRUNCATED;
        p += 2u;
        if (layers_ofs - p < hil_rd_u16(b + p - 2)) return HIL_ERR_TRUNCATED;
        p += hil_rd_u16(b + p - 2);
    }

    m->blob = b;
    m->size = total;
    m->name = (const char *)(b + name_ofs);
    m->input_h = hil_rd_u16(b + HDR_IN_H);
    m->input_w = hil_rd_u16(b + HDR_IN_W);
    m->input_c = hil_rd_u16(b + HDR_IN_C);
    m->input_zero_point = hil_rd_i32(b + HDR_IN_ZP);
    m->output_zero_point = hil_rd_i32(b + HDR_OUT_ZP);
    m->input_scale = bits_to_float(hil_rd_u32(b + HDR_IN_SCALE));
    m->output_scale = bits_to_float(hil_rd_u32(b + HDR_OUT_SCALE));
    m->layer_count = hil_rd_u16(b + HDR_LAYER_COUNT);
    m->arena_bytes = hil_rd_u32(b + HDR_ARENA);
    m->params = hil_rd_u32(b + HDR_PARAMS);
    m->macs = (uint64_t)hil_rd_u32(b + HDR_MACS) | ((uint64_t)hil_rd_u32(b + HDR_MACS + 4) << 32);

    if (!valid_scale(hil_rd_u32(b + HDR_IN_SCALE)) || !valid_scale(hil_rd_u32(b + HDR_OUT_SCALE)))
        return HIL_ERR_LAYER;
    if (m->input_zero_point < -128 || m->input_zero_point > 127 ||
        m->output_zero_point < -128 || m->output_zero_point > 127)
        return HIL_ERR_LAYER;
    if (m->layer_count == 0 || m->layer_count > HIL_MAX_LAYERS) return HIL_ERR_LAYER;
    if (m->input_h == 0 || m->input_w == 0 || m->input_c == 0 || m->class_count == 0 ||
        (uint64_t)m->input_h * m->input_w * m->input_c > HIL_MAX_TENSOR_BYTES)
        return HIL_ERR_SHAPE;
    return HIL_OK;
}

/* Every tensor a residual add reads from an earlier layer j must survive the layers between:
 * no output written by layers j+1 .. k may overlap it. (Each layer's overlap with its direct
 * input was checked on the first walk.) */
static hil_status check_residual_lifetimes(const hil_model *m)
{
    uint32_t avail_k, k;
    const uint8_t *pk = hil_first_layer(m, &avail_k);
    hil_layer K;
    for (k = 0; k < m->layer_count; k++) {
        hil_layer_read(pk, avail_k, &K);
        if (K.op == HIL_OP_ADD && K.source != HIL_ADD_SOURCE_INPUT && K.source + 1u < k) {
            uint32_t avail, i, src_ofs = 0, src_bytes = 0;
            const uint8_t *p = hil_first_layer(m, &avail);
            hil_layer L;
            for (i = 0; i <= k; i++) {
                hil_layer_read(p, avail, &L);
                if (i == K.source) {
                    src_ofs = L.out_offset;
                    src_bytes = hil_layer_out_bytes(&L);
                } else if (i > K.source &&
                           overlaps(L.out_offset, hil_layer_out_bytes(&L), src_ofs, src_bytes)) {
                    return HIL_ERR_LAYER;
                }
                p += L.len;
                avail -= L.len;
            }
        }
        pk += K.len;
        avail_k -= K.len;
    }
    return HIL_OK;
}

/* Walks all records: each one alone, then how it chains to what came before. */
static hil_status load_layers(hil_model *m)
{
    uint32_t avail, i, prev_ofs = 0, prev_bytes = 0, weight_bytes = 0;
    uint16_t prev_h = m->input_h, prev_w = m->input_w, prev_c = m->input_c;
    int32_t prev_zp = m->input_zero_point;
    uint64_t arena_end = 0, params = 0, macs = 0;
    const uint8_t *p = hil_first_layer(m, &avail);
    hil_layer L;
    hil_status s;

    for (i = 0; i < m->layer_count; i++) {
        if ((s = hil_layer_read(p, avail, &L)) != HIL_OK) return s;
        if ((s = hil_layer_check(&L)) != HIL_OK) return s;
        if (L.in_h != prev_h || L.in_w != prev_w || L.in_c != prev_c) return HIL_ERR_SHAPE;
        /* Pools move values without rescaling them, so they keep their input's quantisation. */
        if ((L.op == HIL_OP_MAX_POOL || L.op == HIL_OP_AVG_POOL || L.op == HIL_OP_GLOBAL_AVG_POOL) &&
            L.out_zp != prev_zp)
            return HIL_ERR_LAYER;
        if (L.op == HIL_OP_ADD) {
            if (L.source == HIL_ADD_SOURCE_INPUT) {
                if (L.in_h != m->input_h || L.in_w != m->input_w || L.in_c != m->input_c)
                    return HIL_ERR_SHAPE;
            } else if (L.source >= i) {
                return HIL_ERR_LAYER; /* a residual must come from an earlier layer */
            } else {
                uint32_t a, j;
                const uint8_t *q = hil_first_layer(m, &a);
                hil_layer S;
                for (j = 0; j < L.source; j++) {
                    hil_layer_read(q, a, &S);
                    q += S.len;
                    a -= S.len;
                }
                hil_layer_read(q, a, &S);
                if (S.out_h != L.in_h || S.out_w != L.in_w || S.out_c != L.in_c) return HIL_ERR_SHAPE;
            }
        }
        /* Arena: the output lies inside it and does not overlap the input it is computed from. */
        if ((uint64_t)L.out_offset + hil_layer_out_bytes(&L) > arena_end)
            arena_end = (uint64_t)L.out_offset + hil_layer_out_bytes(&L);
        if (i > 0 && overlaps(L.out_offset, hil_layer_out_bytes(&L), prev_ofs, prev_bytes))
            return HIL_ERR_LAYER;

        params += hil_layer_params(&L);
        macs += hil_layer_macs(&L);
        weight_bytes += hil_layer_weight_bytes(&L);
        prev_h = L.out_h; prev_w = L.out_w; prev_c = L.out_c;
        prev_zp = L.out_zp;
        prev_ofs = L.out_offset;
        prev_bytes = hil_layer_out_bytes(&L);
        p += L.len;
        avail -= L.len;
    }
    if (avail != 0) return HIL_ERR_LAYER; /* bytes after the last record */
    if ((uint32_t)prev_h * prev_w * prev_c != m->class_count) return HIL_ERR_SHAPE;
    if (prev_zp != m->output_zero_point) return HIL_ERR_LAYER;
    /* The header's summary figures are the writer's; they must agree with the layers. */
    if (((arena_end + 3u) & ~(uint64_t)3u) != m->arena_bytes) return HIL_ERR_LAYER;
    if (params != m->params || macs != m->macs) return HIL_ERR_LAYER;
    m->weight_bytes = weight_bytes;
    return check_residual_lifetimes(m);
}

hil_status hil_model_load(hil_model *m, const uint8_t *blob, uint32_t size)
{
    hil_status s;
    if (m == NULL) return HIL_ERR_ARGUMENT;
    memset(m, 0, sizeof *m);
    if (blob == NULL) return HIL_ERR_ARGUMENT;
    s = load_header(m, blob, size);
    if (s == HIL_OK) s = load_layers(m);
    /* A model that failed is left empty, so nothing can invoke it by mistake. */
    if (s != HIL_OK) memset(m, 0, sizeof *m);
    return s;
}

const char *hil_model_label(const hil_model *m, uint16_t index, uint16_t *len)
{
    uint32_t p, i;
    if (m == NULL || m->blob == NULL || index >= m->class_count) return NULL;
    p = hil_rd_u32(m->blob + HDR_LABELS_OFS);
    for (i = 0; i < index; i++) p += 2u + hil_rd_u16(m->blob + p);
    if (len != NULL) *len = hil_rd_u16(m->blob + p);
    return (const char *)(m->blob + p + 2u);
}

hil_status hil_model_layer_info(const hil_model *m, uint16_t index, hil_layer_info *out)
{
    uint32_t avail, i;
    const uint8_t *p;
    hil_layer L;
    if (m == NULL || m->blob == NULL || out == NULL || index >= m->layer_count) return HIL_ERR_ARGUMENT;
    p = hil_first_layer(m, &avail);
    for (i = 0;; i++) {
        if (hil_layer_read(p, avail, &L) != HIL_OK) return HIL_ERR_LAYER;
        if (i == index) break;
        p += L.len;
        avail -= L.len;
    }
    out->op = L.op;
    out->activation = L.act;
    out->in_h = L.in_h; out->in_w = L.in_w; out->in_c = L.in_c;
    out->out_h = L.out_h; out->out_w = L.out_w; out->out_c = L.out_c;
    out->kernel_h = L.kh; out->kernel_w = L.kw;
    out->stride_h = L.sh; out->stride_w = L.sw;
    out->macs = hil_layer_macs(&L);
    out->params = hil_layer_params(&L);
    return HIL_OK;
}

uint16_t hil_argmax(const int8_t *scores, uint16_t count)
{
    uint16_t i, best = 0;
    if (scores == NULL) return 0;
    for (i = 1; i < count; i++)
        if (scores[i] > scores[best]) best = i;
    return best;
}

const char *hil_status_text(hil_status s)
{
    switch (s) {
    case HIL_OK: return "ok";
    case HIL_ERR_TRUNCATED: return "model truncated: shorter than its header or sections say";
    case HIL_ERR_MAGIC: return "not a hil model (bad magic; erased or empty region?)";
    case HIL_ERR_VERSION: return "unsupported model format version";
    case HIL_ERR_CRC: return "model CRC-32 mismatch: corrupt";
    case HIL_ERR_LAYER: return "unknown operator or malformed layer record";
    case HIL_ERR_SHAPE: return "layer shapes do not chain or exceed limits";
    case HIL_ERR_ARENA: return "arena smaller than the model needs";
    case HIL_ERR_ARGUMENT: return "NULL pointer or index out of range";
    default: return "unknown status";
    }
}

const char *hil_op_name(uint8_t op)
{
    switch (op) {
    case HIL_OP_CONV2D: return "conv2d";
    case HIL_OP_DEPTHWISE_CONV2D: return "depthwise_conv2d";
    case HIL_OP_MAX_POOL: return "max_pool";
    case HIL_OP_AVG_POOL: return "avg_pool";
    case HIL_OP_GLOBAL_AVG_POOL: return "global_avg_pool";
    case HIL_OP_FULLY_CONNECTED: return "fully_connected";
    case HIL_OP_ADD: return "add";
    default: return "unknown";
    }
}

const char *hil_activation_name(uint8_t activation)
{
    switch (activation) {
    case HIL_ACT_NONE: return "none";
    case HIL_ACT_RELU: return "relu";
    case HIL_ACT_RELU6: return "relu6";
    default: return "unknown";
    }
}
