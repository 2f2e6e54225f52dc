/* Pooling. Pools keep their input's quantisation (the loader requires out_zp == in_zp), so
 * values move without rescaling; padding is outside every window (not a value), and the
 * activation clamp applies last. */
#include "hil_internal.h"

static void clip(int32_t start, int32_t k, int32_t in, int32_t *k0, int32_t *k1)
{
    *k0 = start < 0 ? -start : 0;
    *k1 = start + k > in ? in - start : k;
}

static int8_t clamp(int32_t v, const hil_layer *L)
{
    return (int8_t)(v < L->act_min ? L->act_min : v > L->act_max ? L->act_max : v);
}

/* Shared walk for max and average: `average` selects which reduction. */
static void window_pool(const hil_layer *L, const int8_t *in, int8_t *out, int average)
{
    const int32_t H = L->in_h, W = L->in_w, C = L->in_c;
    int32_t oy, ox, c, ky, kx, ky0, ky1, kx0, kx1;
    for (oy = 0; oy < L->out_h; oy++) {
        const int32_t y0 = oy * L->sh - L->pad_t;
        clip(y0, L->kh, H, &ky0, &ky1);
        for (ox = 0; ox < L->out_w; ox++) {
            const int32_t x0 = ox * L->sw - L->pad_l;
            clip(x0, L->kw, W, &kx0, &kx1);
            for (c = 0; c < C; c++) {
                int32_t acc = average ? 0 : -128;
                for (ky = ky0; ky < ky1; ky++) {
                    for (kx = kx0; kx < kx1; kx++) {
                        const int32_t x = in[((y0 + ky) * W + (x0 + kx)) * C + c];
                        if (average) acc += x;
                        else if (x > acc) acc = x;
                    }
                }
                /* The mean divides by the real pixels counted, not the kernel area. */
                if (average) acc = hil_rounded_mean(acc, (ky1 - ky0) * (kx1 - kx0));
                *out++ = clamp(acc, L);
            }
        }
    }
}

void hil_max_pool(const hil_layer *L, const int8_t *in, int8_t *out) { window_pool(L, in, out, 0); }

void hil_avg_pool(const hil_layer *L, const int8_t *in, int8_t *out) { window_pool(L, in, out, 1); }

void hil_global_avg_pool(const hil_layer *L, const int8_t *in, int8_t *out)
{
    const int32_t pixels = (int32_t)L->in_h * L->in_w, C = L->in_c;
    int32_t c, i;
    for (c = 0; c < C; c++) {
        int32_t sum = 0;
        for (i = 0; i < pixels; i++) sum += in[i * C + c];
        out[c] = clamp(hil_rounded_mean(sum, pixels), L);
    }
}
