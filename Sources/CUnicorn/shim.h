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
// Drops the translations of [begin, end) only. A whole flush (UC_CTL_TB_FLUSH) clears the entire
// code buffer, which touches all of it: about 1 GiB of resident memory per emulated core.
static inline uc_err hil_uc_remove_translations(uc_engine *uc, uint64_t begin, uint64_t end) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), begin, end);
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

// The emulated core's clock, advanced at the start of every translated block by the block's
// instruction count (one cycle per instruction). In C because a block starts every few
// instructions: a call into Swift per block cost more than the emulation itself.
typedef struct hil_block_counter {
    uint64_t *cycles;          // the core clock's count, owned by the caller
    uint64_t stop_at;          // end the run at the first block boundary at or past this count
    int first_block;           // the run's first block always executes (else no progress)
    int stop_soon;             // set by device callbacks: end at the next block boundary
    const uint8_t *code;       // flash, mapped at code_base and code_alias
    uint32_t code_base, code_alias, code_size;
    uint16_t *counts;          // per flash halfword: instructions in the block starting there, 0 unknown
    // The FPB's enabled instruction comparators (addresses, bit 0 clear), checked at each block.
    uint32_t breakpoints[8];
    uint32_t breakpoint_count;
    uint32_t breakpoint_hit;        // set when a run stopped because a block holds a breakpoint
    uint32_t breakpoint_disarmed;   // a run ending at a breakpoint by its `until` address ignores it
} hil_block_counter;

// Thumb-2: a halfword whose top five bits are 0b11101, 0b11110 or 0b11111 starts a 32-bit
// instruction; every other one is a 16-bit instruction.
static inline uint32_t hil_thumb_count(const uint8_t *bytes, uint32_t size) {
    uint32_t i = 0, n = 0;
    while (i + 1 < size) {
        uint8_t top = bytes[i + 1] >> 3;
        i += (top == 0x1D || top == 0x1E || top == 0x1F) ? 4 : 2;
        n++;
    }
    return n ? n : 1;
}

static void hil_count_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    hil_block_counter *c = (hil_block_counter *)user;
    uint32_t a = (uint32_t)address, n, off = UINT32_MAX;
    // A breakpoint in the block about to run: stop before it runs (it is not counted). One at
    // the block's first instruction lets the run's first block through: resuming from a
    // breakpoint executes it, as a debugger expects once it has stepped over it.
    for (uint32_t i = 0; i < c->breakpoint_count; i++) {
        uint32_t b = c->breakpoints[i];
        if (b == c->breakpoint_disarmed || b - a >= size || (b == a && c->first_block)) continue;
        c->breakpoint_hit = b;
        c->first_block = 0;
        uc_emu_stop(uc);
        return;
    }
    if (a - c->code_base < c->code_size) off = a - c->code_base;
    else if (c->code_alias && a - c->code_alias < c->code_size) off = a - c->code_alias;
    if (off != UINT32_MAX && size <= c->code_size - off) {
        n = c->counts[off >> 1];
        if (!n) { n = hil_thumb_count(c->code + off, size); c->counts[off >> 1] = (uint16_t)n; }
    } else {
        // Code outside flash (a loader in RAM): decoded each time, through the emulator.
        uint8_t bytes[256];
        n = 0;
        for (uint32_t done = 0; done < size; ) {
            uint32_t chunk = size - done < sizeof bytes ? size - done : (uint32_t)sizeof bytes;
            if (uc_mem_read(uc, address + done, bytes, chunk) != UC_ERR_OK) { n += chunk / 3 + 1; break; }
            n += hil_thumb_count(bytes, chunk);
            done += chunk;
        }
    }
    *c->cycles += n;
    if (c->first_block) { c->first_block = 0; return; }
    if (*c->cycles >= c->stop_at || c->stop_soon) {
        c->stop_soon = 0;
        uc_emu_stop(uc);
    }
}

static inline uc_err hil_uc_hook_counted_blocks(uc_engine *uc, uc_hook *hook, hil_block_counter *counter) {
    return uc_hook_add(uc, hook, UC_HOOK_BLOCK, (void *)hil_count_block, counter, 1, 0);
}
#endif
