/* TEMPORARY: a stand-in for hil's int8 runtime, so the harness can be built and tested before the
 * real runtime is merged. Drop this file when merging the runtime (its commit says "TEMP fake
 * runtime"). Nothing outside this file may depend on its internals; the harness and its tests use
 * only hil_runtime.h.
 *
 * Its "model" blob (not docs/model-format.md):
 *   0  "HILM" (u32 LE HIL_MODEL_MAGIC)       4  u32 blob size
 *   8  u32 CRC-32 of bytes [12, size)        12 u16 H, u16 W, u16 C, u16 class_count
 *   20 u32 arena bytes                       24 u8 name length, name, then class_count labels,
 *                                               each u8 length + UTF-8 bytes
 * Inference: s = sum of the input bytes (as uint8); scores[i] = (int8)((s + i) mod 256 - 128).
 * CRC-32 and SHA-256 are the real algorithms (zlib's CRC-32, FIPS 180-4 SHA-256). */
#include <string.h>
#include "hil_runtime.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint32_t hil_crc32(uint32_t crc, const uint8_t *data, size_t len) {
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Walks name and labels; returns the offset just past the last label, or 0 when they overrun. */
static uint32_t fake_strings_end(const uint8_t *blob, uint32_t size, uint16_t classes) {
    uint32_t at = 24;
    for (uint32_t i = 0; i <= classes; i++) {
        if (at >= size) return 0;
        at += 1u + blob[at];
    }
    return at <= size ? at : 0;
}

hil_status hil_model_load(hil_model *m, const uint8_t *blob, uint32_t size) {
    if (m == NULL || blob == NULL) return HIL_ERR_ARGUMENT;
    memset(m, 0, sizeof *m);
    if (size < 4) return HIL_ERR_TRUNCATED;
    if (rd32(blob) != HIL_MODEL_MAGIC) return HIL_ERR_MAGIC;
    if (size < 25) return HIL_ERR_TRUNCATED;
    uint32_t total = rd32(blob + 4);
    if (total < 25 || total > size) return HIL_ERR_TRUNCATED;
    if (hil_crc32(0, blob + 12, total - 12) != rd32(blob + 8)) return HIL_ERR_CRC;
    uint16_t classes = rd16(blob + 18);
    if (classes == 0 || fake_strings_end(blob, total, classes) == 0) return HIL_ERR_LAYER;
    m->blob = blob;
    m->size = total;
    m->name_len = blob[24];
    m->name = (const char *)(blob + 25);
    m->input_h = rd16(blob + 12);
    m->input_w = rd16(blob + 14);
    m->input_c = rd16(blob + 16);
    m->input_scale = 0.0078125f;
    m->input_zero_point = -1;
    m->output_scale = 0.00390625f;
    m->output_zero_point = -128;
    m->class_count = classes;
    m->layer_count = 1;
    m->arena_bytes = rd32(blob + 20);
    m->params = classes;
    m->macs = (uint64_t)m->input_h * m->input_w * m->input_c;
    m->weight_bytes = 0;
    return HIL_OK;
}

const char *hil_model_label(const hil_model *m, uint16_t index, uint16_t *len) {
    if (m == NULL || m->blob == NULL || index >= m->class_count) return NULL;
    uint32_t at = 24u + 1u + m->blob[24];
    for (uint16_t i = 0; i < index; i++) at += 1u + m->blob[at];
    if (len != NULL) *len = m->blob[at];
    return (const char *)(m->blob + at + 1);
}

hil_status hil_model_layer_info(const hil_model *m, uint16_t index, hil_layer_info *out) {
    if (m == NULL || out == NULL || index != 0) return HIL_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->op = HIL_OP_FULLY_CONNECTED;
    out->in_h = m->input_h; out->in_w = m->input_w; out->in_c = m->input_c;
    out->out_h = 1; out->out_w = 1; out->out_c = m->class_count;
    out->kernel_h = out->kernel_w = out->stride_h = out->stride_w = 1;
    out->macs = m->macs;
    out->params = m->class_count;
    return HIL_OK;
}

hil_status hil_invoke(const hil_model *m, const int8_t *input, uint8_t *arena, uint32_t arena_size,
                      int8_t *scores) {
    if (m == NULL || input == NULL || scores == NULL) return HIL_ERR_ARGUMENT;
    if (arena_size < m->arena_bytes || (m->arena_bytes > 0 && arena == NULL)) return HIL_ERR_ARENA;
    uint32_t n = (uint32_t)m->input_h * m->input_w * m->input_c, sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += (uint8_t)input[i];
    for (uint16_t i = 0; i < m->class_count; i++) scores[i] = (int8_t)((int)((sum + i) & 0xFFu) - 128);
    return HIL_OK;
}

uint16_t hil_argmax(const int8_t *scores, uint16_t count) {
    uint16_t best = 0;
    for (uint16_t i = 1; i < count; i++)
        if (scores[i] > scores[best]) best = i;
    return best;
}

const char *hil_status_text(hil_status s) {
    switch (s) {
    case HIL_OK: return "ok";
    case HIL_ERR_TRUNCATED: return "model truncated";
    case HIL_ERR_MAGIC: return "not a hil model";
    case HIL_ERR_VERSION: return "unsupported model version";
    case HIL_ERR_CRC: return "model CRC mismatch";
    case HIL_ERR_LAYER: return "malformed layer";
    case HIL_ERR_SHAPE: return "shapes do not chain";
    case HIL_ERR_ARENA: return "arena too small";
    case HIL_ERR_ARGUMENT: return "bad argument";
    }
    return "unknown status";
}

/* SHA-256, FIPS 180-4 section 6.2. */
static const uint32_t sha_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static uint32_t ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }

static void sha_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = ((uint32_t)p[4 * t] << 24) | ((uint32_t)p[4 * t + 1] << 16) | ((uint32_t)p[4 * t + 2] << 8) | p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[t] + w[t];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void hil_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint32_t h[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                     0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    size_t full = len / 64;
    for (size_t i = 0; i < full; i++) sha_block(h, data + 64 * i);
    uint8_t tail[128];
    size_t rest = len - 64 * full;
    memset(tail, 0, sizeof tail);
    if (rest > 0) memcpy(tail, data + 64 * full, rest);
    tail[rest] = 0x80;
    size_t tail_len = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8u;
    for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha_block(h, tail);
    if (tail_len == 128) sha_block(h, tail + 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24); out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8); out[4 * i + 3] = (uint8_t)h[i];
    }
}
