#ifndef HIL_CUNICORN_SHIM_H
#define HIL_CUNICORN_SHIM_H
// The Unicorn CPU emulator as Debian's libunicorn-dev (2.0.x) installs it. Only
// Sources/MockBoard/Core/UnicornCPU.swift imports this module.
#include <unicorn/unicorn.h>

// uc_hook_add and uc_ctl are variadic, which Swift cannot call: fixed-argument forms of the
// calls the mock board makes.
static inline uc_err hil_uc_set_cortex_m7(uc_engine *uc) {
    return uc_ctl_set_cpu_model(uc, UC_CPU_ARM_CORTEX_M7);
}
static inline uc_err hil_uc_flush_translations(uc_engine *uc) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
}
static inline uc_err hil_uc_hook_blocks(uc_engine *uc, uc_hook *hook, uc_cb_hookcode_t callback, void *context) {
    return uc_hook_add(uc, hook, UC_HOOK_BLOCK, (void *)callback, context, 1, 0);
}
static inline uc_err hil_uc_hook_interrupts(uc_engine *uc, uc_hook *hook, uc_cb_hookintr_t callback, void *context) {
    return uc_hook_add(uc, hook, UC_HOOK_INTR, (void *)callback, context, 1, 0);
}
static inline uc_err hil_uc_hook_bad_memory(uc_engine *uc, uc_hook *hook, uc_cb_eventmem_t callback, void *context) {
    return uc_hook_add(uc, hook, UC_HOOK_MEM_INVALID, (void *)callback, context, 1, 0);
}
#endif
