/* Requantisation: scaling an int32 accumulator by a real multiplier given as a Q31 fixed-point
 * number and a power of two, the way TFLite's int8 scheme defines it, so a model quantised by
 * TFLite tools gives the same bytes here. Written from the arithmetic (docs/model-format.md,
 * "Requantisation"): real = multiplier * 2^(shift - 31). */
#include "hil_internal.h"

/* Arithmetic right shift without relying on the implementation-defined >> of negative values:
 * for x < 0, ~x = -x - 1 >= 0, and floor(x / 2^e) = ~(~x >> e). Compilers emit one ASR. */
static int32_t asr32(int32_t x, int e)
{
    return x >= 0 ? (x >> e) : ~((~x) >> e);
}

/* round(a * b / 2^31) with halves rounded towards +infinity, i.e. the high 32 bits of the
 * doubled 64-bit product. The one product that does not fit (-2^31 * -2^31 -> 2^31) saturates. */
static int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    int64_t ab, v;
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    ab = (int64_t)a * (int64_t)b;
    /* Add half (or half minus one below zero) and truncate towards zero: the pair is floor. */
    v = ab >= 0 ? ab + ((int64_t)1 << 30) : ab + 1 - ((int64_t)1 << 30);
    /* |v| < 2^62 + 2^30, so -v is safe; shifting the magnitude truncates towards zero. */
    return (int32_t)(v >= 0 ? (v >> 31) : -((-v) >> 31));
}

/* x / 2^e rounded to nearest, halves away from zero, for e in [0, 31]. */
static int32_t rounding_divide_by_pot(int32_t x, int e)
{
    uint32_t mask = ((uint32_t)1 << e) - 1u;
    int32_t remainder = (int32_t)((uint32_t)x & mask);          /* x mod 2^e, >= 0 */
    int32_t threshold = (int32_t)(mask >> 1) + (x < 0 ? 1 : 0); /* ties go away from zero */
    return asr32(x, e) + (remainder > threshold ? 1 : 0);
}

int32_t hil_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t left, right;
    if (shift > 30) shift = 30;
    if (shift < -31) shift = -31;
    left = shift > 0 ? shift : 0;
    right = shift > 0 ? 0 : -shift;
    if (left > 0) {
        /* A left shift that leaves int32 saturates (TFLite would overflow here). */
        int64_t v = (int64_t)x * ((int64_t)1 << left);
        x = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
    }
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), (int)right);
}
