/* The harness info block. The Makefile passes the build id (git describe, at most 23 characters)
 * and the board name; HELLO reports the same two strings, read from here. */
#include "info_block.h"
#include "hil_harness.h"

#ifndef FW_BUILD_ID
#error "FW_BUILD_ID must be defined (the Makefile passes it)"
#endif
#ifndef FW_BOARD_NAME
#error "FW_BOARD_NAME must be defined (the Makefile passes it)"
#endif

_Static_assert(sizeof(FW_BUILD_ID) <= 24, "the build id is at most 23 characters");
_Static_assert(sizeof(FW_BOARD_NAME) <= 32, "the board name is at most 31 characters");

__attribute__((section(".hil_info"), used))
const fw_info_block fw_info = {
    .magic = FW_INFO_MAGIC,
    .protocol_version = HIL_HARNESS_PROTOCOL_VERSION,
    .size = FW_INFO_SIZE,
    .build_id = FW_BUILD_ID,
    .board = FW_BOARD_NAME,
};
