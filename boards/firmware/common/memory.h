/* The regions the linker script lays out (common/sections.ld): the model region in flash (or, on
 * QEMU, in SSRAM), the inference arena and the two input buffers. Their sizes are those of the
 * board description (boards/<board>.json, "harness"); the linker script asserts they fit. */
#ifndef FW_MEMORY_H
#define FW_MEMORY_H

#include <stdint.h>

extern const uint8_t __hil_model_region_start[];
extern const uint8_t __hil_model_region_end[];
extern uint8_t __hil_arena_start[];
extern uint8_t __hil_arena_end[];
extern uint8_t __hil_inputs_start[];
extern uint8_t __hil_inputs_end[];

#endif
