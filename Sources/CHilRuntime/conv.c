/* Convolution and depthwise convolution, int8 in and out, int32 accumulation:
 *   acc = bias[oc] + sum over the window's real pixels of (x - in_zp) * w
 *   y   = clamp(requantize(acc, multiplier[oc], shift[oc]) + out_zp, act_min, act_max)
 * Taps that fall on padding are skipped, which is padding with the input zero point. */
#include "hil_internal.h"

/* The part [k0, k1) of a kernel axis that lands inside the input, for a window starting at
 * `start` (negative inside the top/left padding). */
static void clip(int32_t start, int32_t k, int32_t in, int32_t *k0, int32_t *k1)
{
    *k0 = start < 0 ? -start : 0;
    *k1 = start + k > in ? in - start : k;
}

void hil_conv2d(const hil_layer *L, const int8_t *in, int32_t in_zp, int8_t *out)
{
    const int32_t H = L->in_h, W = L->in_w, C = L->in_c, KH = L->kh, KW = L->kw;
    const uint32_t kernel_size = (uint32_t)KH * (uint32_t)KW * (uint32_t)C;
    int32_t oy, ox, oc, ky, ky0, ky1, kx0, kx1;
    for (oy = 0; oy < L->out_h; oy++) {
        const int32_t y0 = oy * L->sh - L->pad_t;
        clip(y0, KH, H, &ky0, &ky1);
        for (ox = 0; ox < L->out_w; ox++) {
            const int32_t x0 = ox * L->sw - L->pad_l;
            int32_t run;
            clip(x0, KW, W, &kx0, &kx1);
            /* In NHWC the window's row, across x and channels, is one contiguous run, and so
             * is the kernel's row in [oc][ky][kx][ic] order. */
            run = (kx1 - kx0) * C;
            for (oc = 0; oc < L->out_c; oc++) {
                const int8_t *w = L->weights + (uint32_t)oc * kernel_size;
                int32_t acc = hil_rd_i32(L->bias + 4u * (uint32_t)oc);
                for (ky = ky0; ky < ky1; ky++) {
                    const int8_t *x = in + ((uint32_t)(y0 + ky) * (uint32_t)W + (uint32_t)(x0 + kx0)) * (uint32_t)C;
                    const int8_t *wr = w + ((uint32_t)ky * (uint32_t)KW + (uint32_t)kx0) * (uint32_t)C;
                    acc += hil_dot_i8(x, wr, run, in_zp);
                }
                *out++ = hil_finish(hil_requantize(acc, hil_rd_i32(L->mult + 4u * (uint32_t)oc),
                                                   hil_u8_to_i8(L->shift[oc])),
                                    L->out_zp, L->act_min, L->act_max);
            }
        }
    }
}

/* Each output channel oc reads input channel oc / depth_multiplier; weights are [ky][kx][oc]. */
void hil_depthwise_conv2d(const hil_layer *L, const int8_t *in, int32_t in_zp, int8_t *out)
{
    const int32_t H = L->in_h, W = L->in_w, C = L->in_c, KH = L->kh, KW = L->kw, OC = L->out_c;
    const int32_t M = L->depth_mult;
    int32_t oy, ox, oc, ky, kx, ky0, ky1, kx0, kx1;
    for (oy = 0; oy < L->out_h; oy++) {
        const int32_t y0 = oy * L->sh - L->pad_t;
        clip(y0, KH, H, &ky0, &ky1);
        for (ox = 0; ox < L->out_w; ox++) {
            const int32_t x0 = ox * L->sw - L->pad_l;
            clip(x0, KW, W, &kx0, &kx1);
            for (oc = 0; oc < OC; oc++) {
                const int32_t ic = oc / M;
                int32_t acc = hil_rd_i32(L->bias + 4u * (uint32_t)oc);
                for (ky = ky0; ky < ky1; ky++) {
                    for (kx = kx0; kx < kx1; kx++) {
                        const int32_t x = in[((y0 + ky) * W + (x0 + kx)) * C + ic];
                        acc += (x - in_zp) * L->weights[(ky * KW + kx) * OC + oc];
                    }
                }
                *out++ = hil_finish(hil_requantize(acc, hil_rd_i32(L->mult + 4u * (uint32_t)oc),
                                                   hil_u8_to_i8(L->shift[oc])),
                                    L->out_zp, L->act_min, L->act_max);
            }
        }
    }
}
