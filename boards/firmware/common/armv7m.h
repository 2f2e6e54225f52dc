/* The ARMv7-M system registers this firmware uses, written from the ARMv7-M Architecture Reference
 * Manual (DDI 0403E, chapter B3 "System Address Map"): SCB, SysTick, NVIC, the debug unit's DEMCR
 * and the DWT cycle counter, and the cache maintenance operations of the Cortex-M7 (B3.5 / the
 * Cortex-M7 TRM). No CMSIS: just addresses, bits and the barriers. */
#ifndef FW_ARMV7M_H
#define FW_ARMV7M_H

#include <stdint.h>

#define FW_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define FW_REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))

/* ---- System control block (0xE000ED00) ---- */
#define SCB_ICSR FW_REG32(0xE000ED04u)      /* interrupt control and state */
#define SCB_ICSR_PENDSVSET (1u << 28)
#define SCB_ICSR_PENDSTSET (1u << 26)       /* SysTick pending (read) / set pending (write) */
#define SCB_ICSR_PENDSTCLR (1u << 25)
#define SCB_ICSR_PENDSVCLR (1u << 27)
#define SCB_VTOR FW_REG32(0xE000ED08u)      /* vector table offset */
#define SCB_AIRCR FW_REG32(0xE000ED0Cu)
#define SCB_CCR FW_REG32(0xE000ED14u)       /* configuration and control */
#define SCB_CCR_DC (1u << 16)               /* data cache enable (M7) */
#define SCB_CCR_IC (1u << 17)               /* instruction cache enable (M7) */
#define SCB_SHPR2 FW_REG32(0xE000ED1Cu)     /* SVCall priority in bits 31:24 */
#define SCB_SHPR3 FW_REG32(0xE000ED20u)     /* PendSV bits 23:16, SysTick bits 31:24 */
#define SCB_CPACR FW_REG32(0xE000ED88u)     /* coprocessor access: CP10/CP11 = the FPU */
#define SCB_CPACR_FPU_FULL (0xFu << 20)
#define SCB_CCSIDR FW_REG32(0xE000ED80u)    /* cache size id of the level CSSELR selects */
#define SCB_CSSELR FW_REG32(0xE000ED84u)    /* cache size selection: 0 = L1 data */
#define SCB_ICIALLU FW_REG32(0xE000EF50u)   /* invalidate all instruction caches to PoU */
#define SCB_DCISW FW_REG32(0xE000EF60u)     /* invalidate data cache line by set/way */

/* ---- SysTick (0xE000E010) ---- */
#define SYST_CSR FW_REG32(0xE000E010u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)        /* 1 = the processor clock, 0 = the external reference */
#define SYST_CSR_COUNTFLAG (1u << 16)
#define SYST_RVR FW_REG32(0xE000E014u)      /* reload value, 24 bits */
#define SYST_CVR FW_REG32(0xE000E018u)      /* current value; any write clears it */
#define SYST_CALIB FW_REG32(0xE000E01Cu)
#define SYST_MAX_RELOAD 0x00FFFFFFu

/* ---- NVIC (0xE000E100) ---- */
#define NVIC_ISER(n) FW_REG32(0xE000E100u + 4u * (n))   /* set-enable, 32 interrupts per word */
#define NVIC_ICER(n) FW_REG32(0xE000E180u + 4u * (n))   /* clear-enable */
#define NVIC_ICPR(n) FW_REG32(0xE000E280u + 4u * (n))   /* clear-pending */
#define NVIC_IPR(irq) FW_REG8(0xE000E400u + (irq))      /* one priority byte per interrupt */

/* ---- Debug: DEMCR and the DWT (ARMv7-M C1.6 / C1.8) ---- */
#define DEMCR FW_REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)             /* powers the DWT and ITM */
#define DWT_CTRL FW_REG32(0xE0001000u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CTRL_NOCYCCNT (1u << 25)        /* set when there is no cycle counter */
#define DWT_CYCCNT FW_REG32(0xE0001004u)
#define DWT_LAR FW_REG32(0xE0001FB0u)       /* CoreSight lock access; the M7's DWT is locked at reset */
/* Overridable only so that Tests/FirmwareTests can build a DWT left locked (a wrong key). */
#ifndef DWT_LAR_KEY
#define DWT_LAR_KEY 0xC5ACCE55u
#endif

/* ---- Barriers and interrupt masking ---- */
static inline void fw_dsb(void) { __asm__ volatile("dsb 0xF" ::: "memory"); }
static inline void fw_isb(void) { __asm__ volatile("isb 0xF" ::: "memory"); }
static inline void fw_irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void fw_irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void fw_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline uint32_t fw_primask(void) {
    uint32_t v;
    __asm__ volatile("mrs %0, primask" : "=r"(v));
    return v;
}
static inline void fw_set_primask(uint32_t v) { __asm__ volatile("msr primask, %0" :: "r"(v) : "memory"); }

/* Priorities are written to the top bits of the byte; both targets keep 4 or more, so these are
 * distinct on both (0x00 highest). */
#define FW_PRIO_HIGHEST 0x00u
#define FW_PRIO_LOWEST 0xF0u

#endif
