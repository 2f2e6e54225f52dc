/* Residual add of two int8 tensors with different scales, as TFLite's int8 ADD does it: each
 * input, offset by its zero point and scaled by 2^20 for headroom, is rescaled to a common scale
 * (twice the larger input scale); the sum is rescaled to the output scale.
 *   a = requantize((qa - za) * 2^20, mult_a, shift_a)
 *   b = requantize((qb - zb) * 2^20, mult_b, shift_b)
 *   y = clamp(requantize(a + b, mult_out, shift_out) + out_zp, act_min, act_max) */
#include "hil_internal.h"

void hil_add(const hil_layer *L, const int8_t *a, int32_t a_zp, const int8_t *b, int32_t b_zp,
             int8_t *out)
{
    const uint32_t n = hil_layer_out_bytes(L);
    const int32_t scale = (int32_t)1 << HIL_ADD_LEFT_SHIFT;
    uint32_t i;
    for (i = 0; i < n; i++) {
        /* |q - z| <= 255, so each product is below 2^28 and, with shifts <= 0, so is each
         * rescaled term: their sum cannot overflow. */
        int32_t ra = hil_requantize((a[i] - a_zp) * scale, L->add_mult[0], L->add_shift[0]);
        int32_t rb = hil_requantize((b[i] - b_zp) * scale, L->add_mult[1], L->add_shift[1]);
        out[i] = hil_finish(hil_requantize(ra + rb, L->add_mult[2], L->add_shift[2]), L->out_zp,
                            L->act_min, L->act_max);
    }
}
