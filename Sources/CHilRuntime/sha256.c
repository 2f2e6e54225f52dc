/* SHA-256 per FIPS 180-4 (section 6.2), one-shot: the model hash is the digest of the whole
 * blob, computed in place on the board's flash. Messages are read byte by byte (big-endian
 * words, any alignment); only the final one or two blocks are copied, to append the padding. */
#include <string.h>
#include "hil_runtime.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes (4.2.2). */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* One 64-byte block into the hash value H (6.2.2). The schedule is kept as a rolling window of
 * 16 words rather than 64, to spare 192 bytes of stack on the board. */
static void compress(uint32_t H[8], const uint8_t *block)
{
    uint32_t W[16];
    uint32_t a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    int t;
    for (t = 0; t < 16; t++) {
        const uint8_t *p = block + 4 * t;
        W[t] = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    }
    for (t = 0; t < 64; t++) {
        uint32_t w, t1, t2;
        if (t < 16) {
            w = W[t];
        } else {
            uint32_t w15 = W[(t - 15) & 15], w2 = W[(t - 2) & 15];
            uint32_t s0 = ROTR(w15, 7) ^ ROTR(w15, 18) ^ (w15 >> 3);
            uint32_t s1 = ROTR(w2, 17) ^ ROTR(w2, 19) ^ (w2 >> 10);
            w = W[t & 15] = W[t & 15] + s0 + W[(t - 7) & 15] + s1;
        }
        t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w;
        t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
}

void hil_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    /* Initial hash value (5.3.3): fractional parts of the square roots of the first 8 primes. */
    uint32_t H[8] = { 0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                      0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u };
    uint8_t tail[128];
    size_t full = len / 64, rest = len % 64, i, tail_len;
    uint64_t bits = (uint64_t)len * 8u;
    if (out == NULL) return;
    if (data == NULL) rest = full = 0, bits = 0;
    for (i = 0; i < full; i++) compress(H, data + 64 * i);
    /* Padding (5.1.1): 0x80, zeros, then the message length in bits as a big-endian u64. */
    memset(tail, 0, sizeof tail);
    if (rest) memcpy(tail, data + 64 * full, rest);
    tail[rest] = 0x80;
    tail_len = rest < 56 ? 64 : 128;
    for (i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
    compress(H, tail);
    if (tail_len == 128) compress(H, tail + 64);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(H[i] >> 24);
        out[4 * i + 1] = (uint8_t)(H[i] >> 16);
        out[4 * i + 2] = (uint8_t)(H[i] >> 8);
        out[4 * i + 3] = (uint8_t)H[i];
    }
}
