/* The C run-time start shared by both targets: copy .data from its load address in the harness
 * region, zero .bss, run main. The symbols come from common/sections.ld. The targets' reset
 * handlers set the stack, the vector table and the FPU first. */
#include <stdint.h>
#include "board.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
int main(void);

void fw_c_runtime_start(void) {
    /* Word loops through volatile pointers, so the compiler does not turn them into memcpy or
     * memset calls before .data and .bss exist. */
    volatile uint32_t *dst = __data_start;
    const volatile uint32_t *src = __data_load;
    while (dst < __data_end) *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end;) *dst++ = 0;
    main();
    for (;;) fw_default_handler();
}

void fw_default_handler(void) {
    for (;;) __asm__ volatile("nop");
}
