/* CRC-32 as zlib computes it (IEEE 802.3 polynomial, reflected, init and final XOR 0xFFFFFFFF).
 * A 16-entry table (one per nibble) keeps flash small: 64 bytes instead of 1 KB, at two lookups
 * per byte, which checks a 1 MB blob in well under a second on a Cortex-M7. */
#include "hil_runtime.h"

/* Entry n is the CRC remainder of nibble n: n shifted through 4 rounds of the reflected
 * polynomial 0xEDB88320. */
static const uint32_t nibble_table[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu
};

uint32_t hil_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    if (data == NULL) return crc;
    crc = ~crc; /* passing the previous result back in continues the running value */
    for (i = 0; i < len; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ nibble_table[crc & 15u];
        crc = (crc >> 4) ^ nibble_table[crc & 15u];
    }
    return ~crc;
}
