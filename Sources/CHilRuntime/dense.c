/* Fully connected: the input tensor, flattened in NHWC order, times a [out][in] weight matrix.
 *   acc = bias[o] + sum_n (x[n] - in_zp) * w[o][n]
 *   y   = clamp(requantize(acc, multiplier[o], shift[o]) + out_zp, act_min, act_max) */
#include "hil_internal.h"

void hil_fully_connected(const hil_layer *L, const int8_t *in, int32_t in_zp, int8_t *out)
{
    const uint32_t N = (uint32_t)L->in_h * L->in_w * L->in_c;
    uint32_t o;
    for (o = 0; o < L->out_c; o++) {
        const int8_t *w = L->weights + o * N;
        const int32_t acc = hil_rd_i32(L->bias + 4u * o) + hil_dot_i8(in, w, (int32_t)N, in_zp);
        out[o] = hil_finish(hil_requantize(acc, hil_rd_i32(L->mult + 4u * o), hil_u8_to_i8(L->shift[o])),
                            L->out_zp, L->act_min, L->act_max);
    }
}
