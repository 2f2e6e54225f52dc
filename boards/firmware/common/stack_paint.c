/* Peak stack use, measured: at reset the unused stack is painted with a pattern, and the deepest
 * word no longer holding it tells how far the stack has ever grown (reported in LAYER_PROFILE).
 * Interrupt handlers run on the same main stack (MSP), so their depth is included. */
#include <stdint.h>
#include "stack_paint.h"

extern uint32_t __stack_bottom[];
extern uint32_t __stack_top[];

#define FW_STACK_PAINT 0xC5C5C5C5u

void fw_stack_paint(void) {
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    /* leave the words just below SP alone: this function's own frame may still use them */
    for (uint32_t *p = __stack_bottom; p + 16 < sp; p++) *p = FW_STACK_PAINT;
}

uint32_t fw_stack_peak(void *ctx) {
    (void)ctx;
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == FW_STACK_PAINT) p++;
    return (uint32_t)((const uint8_t *)__stack_top - (const uint8_t *)p);
}
