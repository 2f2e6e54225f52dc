/* The 64-byte harness info block (docs/firmware-layout.md): the bench reads it at the harness
 * region's start + info_block_offset to tell a harness image from anything else. The linker
 * script puts the section .hil_info at exactly that address. */
#ifndef FW_INFO_BLOCK_H
#define FW_INFO_BLOCK_H

#include <stdint.h>

#define FW_INFO_MAGIC 0x484C4948u     /* "HILH" little-endian */
#define FW_INFO_SIZE 64u

typedef struct {
    uint32_t magic;
    uint16_t protocol_version;
    uint16_t size;
    char build_id[24];                /* ASCII, NUL padded: at most 23 characters, so NUL-terminated */
    char board[32];                   /* ASCII, NUL padded */
} fw_info_block;

_Static_assert(sizeof(fw_info_block) == FW_INFO_SIZE, "the harness info block is 64 bytes");

extern const fw_info_block fw_info;

#endif
