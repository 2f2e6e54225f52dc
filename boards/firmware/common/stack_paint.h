#ifndef FW_STACK_PAINT_H
#define FW_STACK_PAINT_H
#include <stdint.h>

/* Paints the stack below the current frame; call first thing in main. */
void fw_stack_paint(void);
/* Bytes of stack used since the paint (hil_harness_io.stack_peak). */
uint32_t fw_stack_peak(void *ctx);

#endif
