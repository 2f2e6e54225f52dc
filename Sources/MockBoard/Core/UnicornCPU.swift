import CUnicorn

/// A Cortex-M7 instruction-set emulator (Unicorn, Thumb-2 with the single-precision FPU), and
/// nothing else: no NVIC, no exception entry, no devices. Memory is what the caller maps; the
/// rest of the chip (`CoreRunner`, the peripherals) is ours. The only file that sees a C type.
///
/// Not thread-safe: one thread drives it (the board's core thread).
final class UnicornCPU {
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: UInt32
        let message: String
        var description: String { "\(call): \(message) (unicorn error \(code))" }
    }

    enum Register {
        case r(Int)      // R0–R12
        case sp, lr, pc, xpsr, ipsr, msp, psp, control, primask, basepri, faultmask, fpscr
        case s(Int)      // S0–S31

        var id: Int32 {
            let value: uc_arm_reg
            switch self {
            case let .r(n): value = uc_arm_reg(UC_ARM_REG_R0.rawValue + UInt32(n))
            case .sp: value = UC_ARM_REG_SP
            case .lr: value = UC_ARM_REG_LR
            case .pc: value = UC_ARM_REG_PC
            case .xpsr: value = UC_ARM_REG_XPSR
            case .ipsr: value = UC_ARM_REG_IPSR
            case .msp: value = UC_ARM_REG_MSP
            case .psp: value = UC_ARM_REG_PSP
            case .control: value = UC_ARM_REG_CONTROL
            case .primask: value = UC_ARM_REG_PRIMASK
            case .basepri: value = UC_ARM_REG_BASEPRI
            case .faultmask: value = UC_ARM_REG_FAULTMASK
            case .fpscr: value = UC_ARM_REG_FPSCR
            case let .s(n): value = uc_arm_reg(UC_ARM_REG_S0.rawValue + UInt32(n))
            }
            return Int32(bitPattern: value.rawValue)
        }
    }

    /// How a run ended, as far as the instruction set emulator knows.
    enum Stop: Equatable {
        /// `stop()` was called, or the core executed WFI (the caller tells them apart).
        case returned
        /// An access to an address nothing is mapped at, or one the mapping forbids.
        case memoryFault(address: UInt32, write: Bool, fetch: Bool)
        /// An undefined or unsupported instruction at the PC.
        case invalidInstruction
        /// The PC reached a breakpoint (`setBreakpoints`); the instruction there has not run.
        case breakpoint(UInt32)
        case other(String)
    }

    /// Called with QEMU's exception number; 8 is an ARMv7-M exception return (EXC_RETURN branch).
    var onInterrupt: (UInt32) -> Void = { _ in }

    private let engine: OpaquePointer
    /// The clock the block hook advances (in C: see shim.h), and the run's stop conditions.
    private let counter = UnsafeMutablePointer<hil_block_counter>.allocate(capacity: 1)
    private var counts: UnsafeMutableBufferPointer<UInt16>?
    private var hooks: [uc_hook] = []
    private var mmio: [MMIORegion] = []
    private var lastBadAccess: (address: UInt32, write: Bool, fetch: Bool)?

    final class MMIORegion {
        let base: UInt32
        let read: (UInt32, Int) -> UInt32
        let write: (UInt32, Int, UInt32) -> Void
        init(base: UInt32, read: @escaping (UInt32, Int) -> UInt32, write: @escaping (UInt32, Int, UInt32) -> Void) {
            self.base = base
            self.read = read
            self.write = write
        }
    }

    /// `cycles`: the clock every executed instruction advances by one (it must outlive the CPU).
    init(cycles: UnsafeMutablePointer<UInt64>) throws {
        counter.initialize(to: hil_block_counter(cycles: cycles, stop_at: UInt64.max, first_block: 0, stop_soon: 0,
                                                 code: nil, code_base: 0, code_alias: 0, code_size: 0, counts: nil,
                                                 breakpoints: (0, 0, 0, 0, 0, 0, 0, 0), breakpoint_count: 0,
                                                 breakpoint_hit: 0, breakpoint_disarmed: 0))
        var handle: OpaquePointer?
        try UnicornCPU.check("uc_open", uc_open(UC_ARCH_ARM, uc_mode(UC_MODE_THUMB.rawValue | UC_MODE_MCLASS.rawValue), &handle))
        engine = handle!
        try UnicornCPU.check("uc_ctl_set_cpu_model(CORTEX_M7)", hil_uc_set_cortex_m7(engine))
        let context = Unmanaged.passUnretained(self).toOpaque()
        var hook: uc_hook = 0
        try UnicornCPU.check("uc_hook_add(BLOCK)", hil_uc_hook_counted_blocks(engine, &hook, counter))
        hooks.append(hook)
        try UnicornCPU.check("uc_hook_add(INTR)", hil_uc_hook_interrupts(engine, &hook, { _, number, context in
            Unmanaged<UnicornCPU>.fromOpaque(context!).takeUnretainedValue().onInterrupt(number)
        }, context))
        hooks.append(hook)
        try UnicornCPU.check("uc_hook_add(MEM_INVALID)", hil_uc_hook_bad_memory(engine, &hook, { _, type, address, _, _, context in
            let cpu = Unmanaged<UnicornCPU>.fromOpaque(context!).takeUnretainedValue()
            let write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT
            let fetch = type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT
            cpu.lastBadAccess = (UInt32(truncatingIfNeeded: address), write, fetch)
            return false   // not handled: the run stops and the caller takes the fault
        }, context))
        hooks.append(hook)
    }

    deinit {
        for hook in hooks { uc_hook_del(engine, hook) }
        uc_close(engine)
        counts?.deallocate()
        counter.deallocate()
    }

    // MARK: memory

    /// Maps `bank`'s bytes at `address` (several addresses may map the same bank: an alias).
    func map(_ bank: MemoryBank, at address: UInt32, writable: Bool) throws {
        let perms = writable ? UC_PROT_ALL.rawValue : (UC_PROT_READ.rawValue | UC_PROT_EXEC.rawValue)
        try UnicornCPU.check("uc_mem_map_ptr(\(hexString(address)))",
                             uc_mem_map_ptr(engine, UInt64(address), bank.mappedCount, perms, bank.pointer))
    }

    /// Registers at `[base, base + size)`, `size` a multiple of 4 KB: every access calls back with
    /// the absolute address and the access size.
    func mapDevice(at base: UInt32, size: UInt32, read: @escaping (UInt32, Int) -> UInt32,
                   write: @escaping (UInt32, Int, UInt32) -> Void) throws {
        let region = MMIORegion(base: base, read: read, write: write)
        mmio.append(region)
        let context = Unmanaged.passUnretained(region).toOpaque()
        try UnicornCPU.check("uc_mmio_map(\(hexString(base)))", uc_mmio_map(engine, UInt64(base), Int(size), { _, offset, size, context in
            let region = Unmanaged<MMIORegion>.fromOpaque(context!).takeUnretainedValue()
            return UInt64(region.read(region.base &+ UInt32(truncatingIfNeeded: offset), Int(size)))
        }, context, { _, offset, size, value, context in
            let region = Unmanaged<MMIORegion>.fromOpaque(context!).takeUnretainedValue()
            region.write(region.base &+ UInt32(truncatingIfNeeded: offset), Int(size), UInt32(truncatingIfNeeded: value))
        }, context))
    }

    func readMemory(_ address: UInt32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let err = bytes.withUnsafeMutableBytes { uc_mem_read(engine, UInt64(address), $0.baseAddress, count) }
        return err == UC_ERR_OK ? bytes : nil
    }

    @discardableResult
    func writeMemory(_ address: UInt32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { uc_mem_write(engine, UInt64(address), $0.baseAddress, $0.count) } == UC_ERR_OK
    }

    func readWord(_ address: UInt32) -> UInt32? {
        readMemory(address, count: 4).map { UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 | UInt32($0[3]) << 24 }
    }

    @discardableResult
    func writeWord(_ address: UInt32, _ value: UInt32) -> Bool {
        writeMemory(address, (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    /// Code changed under the emulator (a flash programmed, a loader written to RAM): the blocks
    /// translated from `[address, address + count)` are translated again when next run.
    func codeChanged(at address: UInt32, count: Int) {
        _ = hil_uc_remove_translations(engine, UInt64(address), UInt64(address) + UInt64(count))
        let c = counter.pointee
        if let counts, c.code_size > 0 {
            for base in [c.code_base] + (c.code_alias != 0 ? [c.code_alias] : []) {
                guard address >= base, UInt64(address) < UInt64(base) + UInt64(c.code_size) else { continue }
                let first = Int(address - base) / 2
                let last = min(counts.count, first + (count + 1) / 2 + 1)
                for i in first..<last { counts[i] = 0 }
            }
        }
    }

    /// Where the code lives (the flash, at its address and its alias): its blocks' instruction
    /// counts are cached per halfword; code elsewhere is decoded on every execution.
    func countInstructions(in code: MemoryBank, at base: UInt32, alias: UInt32?) {
        counts?.deallocate()
        let table = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: code.mappedCount / 2 + 1)
        table.initialize(repeating: 0)
        counts = table
        counter.pointee.code = UnsafePointer(code.pointer.assumingMemoryBound(to: UInt8.self))
        counter.pointee.code_base = base
        counter.pointee.code_alias = alias ?? 0
        counter.pointee.code_size = UInt32(code.mappedCount)
        counter.pointee.counts = table.baseAddress
    }

    // MARK: registers

    subscript(register: Register) -> UInt32 {
        get {
            var value: UInt32 = 0
            _ = uc_reg_read(engine, register.id, &value)
            return value
        }
        set {
            var value = newValue
            _ = uc_reg_write(engine, register.id, &value)
        }
    }

    // MARK: running

    /// The instruction addresses a run stops at (at most 8, the FPB's comparators). Checked by the
    /// block hook, not by code hooks: adding and removing those flushes every translation.
    func setBreakpoints(_ addresses: [UInt32]) {
        let list = Array(addresses.prefix(8).map { $0 & ~1 })
        withUnsafeMutableBytes(of: &counter.pointee.breakpoints) { raw in
            let slots = raw.bindMemory(to: UInt32.self)
            for i in 0..<slots.count { slots[i] = i < list.count ? list[i] : 0 }
        }
        counter.pointee.breakpoint_count = UInt32(list.count)
    }

    /// Runs from `pc` until the clock reaches `stopAt` (checked at block boundaries; the first
    /// block always runs), `stop()`, `stopAtNextBlock()`, WFI, or a fault.
    /// `end`: stop before executing the instruction there (a debugger's single step). Unicorn's
    /// instruction count is not used for that: it installs a code hook whose addition and removal
    /// flush every translation, which touches the whole code buffer (about 1 GiB).
    func run(from pc: UInt32, until stopAt: UInt64, end: UInt32 = 0xFFFF_FFFE) -> Stop {
        let stop = start(from: pc, until: stopAt, end: end, disarmed: 0)
        let hit = counter.pointee.breakpoint_hit
        guard stop == .returned, hit != 0 else { return stop }
        if self[.pc] & ~1 == hit { return .breakpoint(hit) }
        // The breakpoint is inside the block that did not run: run up to it, exactly. Unicorn
        // honours `end` when it translates, so the block holding it is translated again for this
        // run, and once more after it (else every later run would stop there too).
        _ = hil_uc_remove_translations(engine, UInt64(hit), UInt64(hit) + 2)
        let rest = start(from: self[.pc] & ~1, until: stopAt, end: hit, disarmed: hit)
        _ = hil_uc_remove_translations(engine, UInt64(hit), UInt64(hit) + 2)
        return rest == .returned && self[.pc] & ~1 == hit ? .breakpoint(hit) : rest
    }

    private func start(from pc: UInt32, until stopAt: UInt64, end: UInt32, disarmed: UInt32) -> Stop {
        lastBadAccess = nil
        counter.pointee.stop_at = stopAt
        counter.pointee.first_block = 1
        counter.pointee.stop_soon = 0
        counter.pointee.breakpoint_hit = 0
        counter.pointee.breakpoint_disarmed = disarmed
        // By default an address no Thumb instruction lives at: runs end by stop(), WFI or a fault.
        let err = uc_emu_start(engine, UInt64(pc | 1), UInt64(end), 0, 0)
        switch err {
        case UC_ERR_OK:
            return .returned
        case UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED, UC_ERR_FETCH_UNMAPPED,
             UC_ERR_READ_PROT, UC_ERR_WRITE_PROT, UC_ERR_FETCH_PROT,
             UC_ERR_READ_UNALIGNED, UC_ERR_WRITE_UNALIGNED, UC_ERR_FETCH_UNALIGNED:
            let bad = lastBadAccess ?? (self[.pc], err == UC_ERR_WRITE_UNMAPPED || err == UC_ERR_WRITE_PROT,
                                        err == UC_ERR_FETCH_UNMAPPED || err == UC_ERR_FETCH_PROT)
            return .memoryFault(address: bad.address, write: bad.write, fetch: bad.fetch)
        case UC_ERR_INSN_INVALID:
            return .invalidInstruction
        default:
            return .other(String(cString: uc_strerror(err)))
        }
    }

    /// Ends the current run now (from a hook; from a register access it would repeat the block).
    func stop() { uc_emu_stop(engine) }

    /// Ends the current run at the next block boundary: safe inside a register access.
    func stopAtNextBlock() { counter.pointee.stop_soon = 1 }

    private static func check(_ call: String, _ err: uc_err) throws {
        guard err != UC_ERR_OK else { return }
        throw Failure(call: call, code: err.rawValue, message: String(cString: uc_strerror(err)))
    }
}
