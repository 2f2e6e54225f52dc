/* One inference: walk the records, run each kernel from its input tensor into its output
 * region of the arena, then copy the last output to `scores`. The loader proved every region
 * lies inside arena_bytes and that no layer overwrites a tensor still to be read. */
#include <string.h>
#include "hil_internal.h"

/* Output tensor and zero point of layer `index`, for a residual add's second input. */
static const int8_t *layer_output(const hil_model *m, uint16_t index, const uint8_t *arena,
                                  int32_t *zp)
{
    uint32_t avail, i;
    const uint8_t *p = hil_first_layer(m, &avail);
    hil_layer L;
    for (i = 0;; i++) {
        hil_layer_read(p, avail, &L);
        if (i == index) break;
        p += L.len;
        avail -= L.len;
    }
    *zp = L.out_zp;
    return (const int8_t *)(arena + L.out_offset);
}

hil_status hil_invoke(const hil_model *m, const int8_t *input, uint8_t *arena, uint32_t arena_size,
                      int8_t *scores)
{
    return hil_invoke_marked(m, input, arena, arena_size, scores, NULL, NULL);
}

hil_status hil_invoke_marked(const hil_model *m, const int8_t *input, uint8_t *arena, uint32_t arena_size,
                             int8_t *scores, hil_mark_fn mark, void *ctx)
{
    uint32_t avail, i;
    const uint8_t *p;
    const int8_t *in = input;
    int32_t in_zp;
    hil_layer L;

    if (m == NULL || m->blob == NULL || m->layer_count == 0 || input == NULL || scores == NULL)
        return HIL_ERR_ARGUMENT;
    if (arena_size < m->arena_bytes) return HIL_ERR_ARENA;
    if (arena == NULL) return HIL_ERR_ARGUMENT; /* every layer writes there: arena_bytes >= 1 */
    in_zp = m->input_zero_point;
    p = hil_first_layer(m, &avail);
    hil_layer_mark(0);
    if (mark != NULL) mark(ctx, 0);
    for (i = 0; i < m->layer_count; i++) {
        int8_t *out;
        /* Cannot fail on a loaded model; a blob changed after loading stops here. */
        if (hil_layer_read(p, avail, &L) != HIL_OK) return HIL_ERR_LAYER;
        out = (int8_t *)(arena + L.out_offset);
        switch (L.op) {
        case HIL_OP_CONV2D: hil_conv2d(&L, in, in_zp, out); break;
        case HIL_OP_DEPTHWISE_CONV2D: hil_depthwise_conv2d(&L, in, in_zp, out); break;
        case HIL_OP_MAX_POOL: hil_max_pool(&L, in, out); break;
        case HIL_OP_AVG_POOL: hil_avg_pool(&L, in, out); break;
        case HIL_OP_GLOBAL_AVG_POOL: hil_global_avg_pool(&L, in, out); break;
        case HIL_OP_FULLY_CONNECTED: hil_fully_connected(&L, in, in_zp, out); break;
        case HIL_OP_ADD: {
            int32_t src_zp = m->input_zero_point;
            const int8_t *src = L.source == HIL_ADD_SOURCE_INPUT
                ? input : layer_output(m, L.source, arena, &src_zp);
            hil_add(&L, in, in_zp, src, src_zp, out);
            break;
        }
        default: return HIL_ERR_LAYER;
        }
        in = out;
        in_zp = L.out_zp;
        p += L.len;
        avail -= L.len;
        hil_layer_mark((uint16_t)(i + 1));
        if (mark != NULL) mark(ctx, (uint16_t)(i + 1));
    }
    memcpy(scores, in, m->class_count);
    return HIL_OK;
}
