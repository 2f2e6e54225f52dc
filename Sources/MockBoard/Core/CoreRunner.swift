import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fault the emulated core took, as the bench reports it: what, where, and at which PC.
public struct CoreFault: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case busFault = "bus fault"
        case usageFault = "usage fault"
        case lockup = "lock-up"
    }
    public let kind: Kind
    public let pc: UInt32
    public let detail: String
    public var description: String { "\(kind.rawValue) at PC \(hexString(pc)): \(detail)" }
}

/// Runs the firmware in the emulated chip's flash on a Cortex-M7 (`UnicornCPU`) and does what
/// the instruction set emulator leaves out, from the ARMv7-M Architecture Reference Manual:
/// exception entry (stacking, EXC_RETURN, IPSR, the vector from VTOR; B1.5.6), exception return
/// (B1.5.8), pre-emption by priority, faults escalated to HardFault and lock-up, WFI. Its own
/// thread, in slices: each holds the chip's lock, so the probe sees the core between
/// instructions, as a debugger does. USART1's TX and RX are the board's virtual COM port (a pty).
///
/// Time: `CoreClock` (one cycle per instruction). Virtual time never runs ahead of wall time:
/// a core that waits (WFI) sleeps for real, so line rates and timeouts look as on a board.
final class CoreRunner: @unchecked Sendable {
    let chip: EmulatedSTM32F7
    let pty: PseudoTerminal
    private let cpu: UnicornCPU
    private var thread: Thread?
    private let stopFlag = NSLock()
    private var stopping = false

    // Owned by the core thread (under the chip lock).
    private var stopAt: UInt64 = 0
    private var sleeping = false
    private var flashGeneration = -1
    private var rxQueue: [(byte: UInt8, due: UInt64)] = []
    private var lastRxDue: UInt64 = 0
    /// Bytes on their way to the host, each with the cycle its stop bit ends: the host must not see
    /// a byte before the board could have finished sending it (a host that gets a BAUD_ACK early
    /// retunes before the board has, and its next frame meets the old rate).
    private var txOut: [(byte: UInt8, due: UInt64)] = []
    private var pendingBusFault: (address: UInt32, write: Bool)?
    private var armedBreakpoints: [UInt32] = []
    private var random = SplitMix(seed: 0x5EED_0746)
    private var anchor: (cycles: UInt64, wall: ContinuousClock.Instant, hz: Double)?

    /// HIL_MOCK_CORE_TRACE=FILE logs exceptions, faults, sleeps and bytes on the line; `%p` in FILE
    /// becomes the process id and `%n` a number per core, so several cores trace apart.
    private let trace: FileHandle? = ProcessInfo.processInfo.environment["HIL_MOCK_CORE_TRACE"].flatMap {
        let path = $0.replacingOccurrences(of: "%p", with: "\(getpid())")
            .replacingOccurrences(of: "%n", with: "\(CoreRunner.traceNumbers.next())")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return FileHandle(forWritingAtPath: path)
    }
    private static let traceNumbers = TraceNumbers()
    private final class TraceNumbers: @unchecked Sendable {
        private let lock = NSLock()
        private var last = 0
        func next() -> Int { lock.withLock { last += 1; return last } }
    }

    private func log(_ text: @autoclosure () -> String) {
        guard let trace else { return }
        trace.write(Data("\(chip.cycles.cycles) \(text())\n".utf8))
    }

    /// Cycles per slice: about a millisecond at 216 MHz, so the probe never waits long for the lock.
    static let sliceCycles: UInt64 = 200_000


    init(chip: EmulatedSTM32F7) throws {
        guard let devices = chip.devices else {
            throw MockSerialError.pty("the chip file for \(chip.chip.name) has no `peripherals` section: it cannot be emulated")
        }
        self.chip = chip
        self.pty = try PseudoTerminal()
        cpu = try UnicornCPU(cycles: chip.cycles.storage)
        try mapMemory(devices: devices)
        cpu.countInstructions(in: chip.flash.cells, at: chip.chip.flash.base.value, alias: chip.chip.flash.itcmAlias?.value)
        chip.system.currentException = { [unowned self] in Int(cpu[.xpsr] & 0x1FF) }
        // Stopping the CPU inside a register access would restart its whole block and repeat the
        // block's earlier stores: device callbacks end the run at the next block boundary.
        chip.system.onPending = { [unowned self] in cpu.stopAtNextBlock() }
        devices.usart1.onTransmit = { [unowned self] byte in transmit(byte) }
        // A TXE poll: time jumps to the frame's end, or to whatever else happens first.
        devices.usart1.onBusyPoll = { [unowned self] until in
            let target = [until, rxQueue.first?.due, chip.system.nextSysTickEvent].compactMap { $0 }.min() ?? until
            if target > chip.cycles.cycles { chip.cycles.cycles = target }
        }
        chip.onCoreStateChange = { [unowned self] in coreStateChanged() }
        chip.core.executes = true
        cpu.onInterrupt = { [unowned self] number in interrupt(number) }
    }

    // MARK: the address space

    private func mapMemory(devices: ChipDevices) throws {
        let flashBase = chip.chip.flash.base.value
        try cpu.map(chip.flash.cells, at: flashBase, writable: false)
        if let alias = chip.chip.flash.itcmAlias?.value { try cpu.map(chip.flash.cells, at: alias, writable: false) }
        for bank in chip.ram { try cpu.map(bank.bytes, at: bank.base, writable: true) }
        // Register pages: the peripherals, the flash interface, the flash-size word and the PPB
        // (SCS, DWT, DBGMCU). Inside them the chip's bus decodes, and faults what is not there.
        var pages = devices.pages
        pages.insert(chip.chip.flash.controllerBase.value & ~0xFFF)
        pages.insert(chip.chip.flashSizeRegister.value & ~0xFFF)
        for page in pages.sorted() { try mapBus(at: page, size: 0x1000) }
        try mapBus(at: 0xE000_0000, size: 0x10_0000)
    }

    private func mapBus(at base: UInt32, size: UInt32) throws {
        try cpu.mapDevice(at: base, size: size, read: { [unowned self] address, size in
            switch chip.read(address: address, size: size, fromCore: true) {
            case let .success(value): return value
            case .failure: busFault(address, write: false); return 0
            }
        }, write: { [unowned self] address, size, value in
            if case .failure = chip.write(address: address, size: size, value: value, fromCore: true) {
                busFault(address, write: true)
            }
        })
    }

    private func busFault(_ address: UInt32, write: Bool) {
        pendingBusFault = (address, write)
        cpu.stopAtNextBlock()
    }

    // MARK: life cycle

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "mock-core"
        thread = t
        t.start()
    }

    func stop() {
        stopFlag.lock(); stopping = true; stopFlag.unlock()
    }

    private var shouldStop: Bool {
        stopFlag.lock(); defer { stopFlag.unlock() }
        return stopping
    }

    private func loop() {
        while !shouldStop {
            chip.lock.lock()
            let waitSeconds = step()
            chip.lock.unlock()
            flushTransmit()
            if waitSeconds > 0 { pause(seconds: waitSeconds) }
        }
        chip.lock.lock()
        chip.onCoreStateChange = nil
        chip.core.executes = false
        chip.core.stepsRequested = 0
        chip.lock.unlock()
        pty.unplug()
    }

    /// Flash written since the core last ran (a probe's programming): its translations and
    /// cached instruction counts are dropped, for a slice and a debugger's step alike.
    private func syncCode() {
        guard chip.flash.generation != flashGeneration else { return }
        flashGeneration = chip.flash.generation
        let flash = chip.chip.flash, size = chip.flash.cells.mappedCount
        cpu.codeChanged(at: flash.base.value, count: size)
        if let alias = flash.itcmAlias?.value { cpu.codeChanged(at: alias, count: size) }
    }

    /// One slice of the core's life. Returns how long to wait (unlocked) before the next.
    private func step() -> Double {
        let core = chip.core
        guard core.state == .running else {
            drainHost()                  // a halted core services no UART: what arrives is lost
            for i in txOut.indices { txOut[i].due = 0 }     // what was shifting out still arrives
            anchor = nil
            return 0.001
        }
        if core.registersChanged { loadRegisters() }
        syncCode()
        if core.lockedUp { drainHost(); return 0.001 }
        receiveFromHost()
        deliverDue()
        chip.system.advanceSysTick()
        chip.devices?.usart1.advance()

        if sleeping {
            if chip.system.anyPendingWakes { sleeping = false } else {
                // Asleep in WFI: time moves to the next thing that can wake the core.
                let next = nextEvent() ?? (chip.cycles.cycles + chip.cycles.cycles(seconds: 0.001))
                chip.cycles.cycles = max(chip.cycles.cycles, min(next, chip.cycles.cycles + chip.cycles.cycles(seconds: 0.002)))
                return paceAhead()
            }
        }
        // An exception pending but masked (PRIMASK, BASEPRI, a running handler) is taken the moment
        // the mask drops, which Unicorn cannot tell us: meanwhile run a block at a time.
        let masked = !takePendingException() && chip.system.anyPendingWakes
        runSlice(limit: masked ? 1 : CoreRunner.sliceCycles)
        return paceAhead()
    }

    private func nextEvent() -> UInt64? {
        [chip.system.nextSysTickEvent, chip.devices?.usart1.nextEvent, rxQueue.first?.due, txOut.first?.due].compactMap { $0 }.min()
    }

    /// `singleInstruction`: a debugger's step, one instruction and one cycle (the block hook has
    /// counted the whole block the instruction starts).
    private func runSlice(limit: UInt64, singleInstruction: Bool = false) {
        let now = chip.cycles.cycles
        stopAt = limit == 1 ? now + 1 : min(now + limit, nextEvent() ?? UInt64.max)
        if stopAt <= now { stopAt = now + 1 }
        pendingBusFault = nil
        // One instruction: stop at the next one's address, or (a branch ends its block) at the
        // next block, which the clock limit of now + 1 does.
        let pc = cpu[.pc] & ~1
        var end: UInt32 = 0xFFFF_FFFE
        if singleInstruction, let first = cpu.readMemory(pc, count: 2) {
            let top = first[1] >> 3
            end = pc + ((top == 0x1D || top == 0x1E || top == 0x1F) ? 4 : 2)
        }
        syncBreakpoints()
        let stop = cpu.run(from: pc, until: stopAt, end: end)
        if singleInstruction { chip.cycles.cycles = now + 1 }
        switch stop {
        case .returned:
            if let fault = pendingBusFault {
                pendingBusFault = nil
                takeFault(.busFault, pc: cpu[.pc], detail: "\(fault.write ? "write to" : "read of") \(hexString(fault.address)), where nothing answers", cfsr: 1 << 15 | 1 << 9, bfar: fault.address)
            } else if chip.cycles.cycles < stopAt, isAfterWFI(cpu[.pc]) {
                sleeping = true
            }
        case let .memoryFault(address, write, fetch):
            let what = fetch ? "instruction fetch from" : write ? "write to" : "read of"
            takeFault(fetch ? .usageFault : .busFault, pc: cpu[.pc], detail: "\(what) \(hexString(address)), where nothing is mapped or writing is not allowed",
                      cfsr: fetch ? 1 << 0 : (1 << 15 | 1 << 9), bfar: fetch ? nil : address)
        case .invalidInstruction:
            takeFault(.usageFault, pc: cpu[.pc], detail: "undefined instruction", cfsr: 1 << 16)
        case let .breakpoint(address):
            // An FPB comparator matched: debug state before the instruction runs (DFSR.BKPT).
            log("breakpoint at \(hexString(address))")
            chip.core.enterDebugHalt(.breakpoint)
            saveRegisters()
        case let .other(message):
            takeFault(.usageFault, pc: cpu[.pc], detail: message, cfsr: 1 << 16)
        }
    }

    /// The FPB's comparators as the CPU checks them: only while halting debug is enabled.
    private func syncBreakpoints() {
        let wanted = chip.core.debuggerAttached ? chip.fpb.breakpoints : []
        guard wanted != armedBreakpoints else { return }
        armedBreakpoints = wanted
        cpu.setBreakpoints(wanted)
    }

    private func isAfterWFI(_ pc: UInt32) -> Bool {
        guard pc >= 2, let bytes = cpu.readMemory(pc - 2, count: 2) else { return false }
        return bytes[0] == 0x30 && bytes[1] == 0xBF          // WFI (T1): 0xBF30
    }

    // MARK: time

    /// Keeps virtual time from running ahead of the wall clock; returns the seconds to sleep.
    private func paceAhead() -> Double {
        let now = ContinuousClock.now
        let hz = chip.cycles.hz
        guard let a = anchor, a.hz == hz else {
            anchor = (chip.cycles.cycles, now, hz)
            return 0
        }
        let virtual = Double(chip.cycles.cycles - a.cycles) / hz
        let wall = (now - a.wall).seconds
        if virtual - wall > 0.0005 { return virtual - wall }
        if wall - virtual > 0.05 { anchor = (chip.cycles.cycles, now, hz) }   // emulation is behind: no debt
        return 0
    }

    private func pause(seconds: Double) {
        var p = pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0)
        let ms = Int32(min(max(seconds, 0.0002), 0.005) * 1000)
        if ms >= 1 {
            _ = poll(&p, 1, ms)
        } else {
            var ts = timespec(tv_sec: 0, tv_nsec: Int(seconds * 1e9))
            _ = nanosleep(&ts, nil)
        }
    }

    // MARK: the virtual COM port

    /// Whether the host and the board agree on the rate, within what a UART tolerates (~2 %).
    private var ratesMatch: Bool {
        guard let usart = chip.devices?.usart1, let host = pty.hostBaud else { return true }
        let board = usart.baud
        return board > 0 && abs(board - Double(host)) / Double(host) <= 0.02
    }

    private var lineReceives: Bool {
        guard let devices = chip.devices else { return false }
        return devices.usart1.receiverEnabled && devices.vcpReceiveRouted
    }

    private func transmit(_ byte: UInt8) {
        guard let devices = chip.devices, devices.vcpTransmitRouted else { return }
        let due = chip.cycles.cycles + devices.usart1.frameCycles
        txOut.append((ratesMatch ? byte : UInt8(truncatingIfNeeded: random.next()) | 0x80, due))
    }

    private func flushTransmit() {
        chip.lock.lock()
        let now = chip.cycles.cycles
        let ready = txOut.prefix { $0.due <= now }.count
        let out = txOut.prefix(ready).map(\.byte)
        txOut.removeFirst(ready)
        chip.lock.unlock()
        guard !out.isEmpty else { return }
        let n = out.withUnsafeBytes { Glibc.write(pty.master, $0.baseAddress, $0.count) }
        if n < out.count {
            chip.lock.lock()
            txOut.insert(contentsOf: out[max(0, n)...].map { ($0, now) }, at: 0)
            chip.lock.unlock()
        }
    }

    /// Bytes the host sent, each due one frame after the one before at the board's rate.
    private func receiveFromHost() {
        guard rxQueue.count < 16 else { return }
        guard lineReceives, let usart = chip.devices?.usart1 else { drainHost(); return }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(pty.master, $0.baseAddress, 32) }
        guard n > 0 else { return }
        let frame = usart.frameCycles
        log("rx \(n) bytes from the host")
        for byte in buffer.prefix(n) {
            let due = max(chip.cycles.cycles, lastRxDue) + frame
            lastRxDue = due
            rxQueue.append((byte, due))
        }
    }

    private func drainHost() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while buffer.withUnsafeMutableBytes({ Glibc.read(pty.master, $0.baseAddress, 256) }) > 0 {}
        rxQueue.removeAll()
    }

    private func deliverDue() {
        guard let usart = chip.devices?.usart1 else { return }
        var delivered = 0
        let match = ratesMatch
        while delivered < rxQueue.count, rxQueue[delivered].due <= chip.cycles.cycles {
            let byte = rxQueue[delivered].byte
            usart.receive(match ? byte : UInt8(truncatingIfNeeded: random.next()), garbled: !match)
            delivered += 1
        }
        if delivered > 0 { rxQueue.removeFirst(delivered) }
    }

    // MARK: registers (the debugger's view, `CortexM7Core.registers`, by DCRSR number)

    private func loadRegisters() {
        let r = chip.core.registers
        log("load registers pc \(hexString(r[15])) sp \(hexString(r[17])) xpsr \(hexString(r[16])) special \(hexString(r[20]))")
        chip.core.registersChanged = false
        sleeping = false
        chip.core.lockedUp = false
        cpu[.xpsr] = r[16]
        let special = r[20]
        cpu[.control] = (special >> 24) & 0x7
        cpu[.primask] = special & 1
        cpu[.basepri] = (special >> 8) & 0xFF
        cpu[.faultmask] = (special >> 16) & 1
        cpu[.msp] = r[17]
        cpu[.psp] = r[18]
        for i in 0...12 { cpu[.r(i)] = r[i] }
        cpu[.lr] = r[14]
        cpu[.fpscr] = r[33]
        for i in 0..<32 { cpu[.s(i)] = r[64 + i] }
        cpu[.pc] = r[15]
        rxQueue.removeAll()
        lastRxDue = 0
    }

    private func saveRegisters() {
        var r = chip.core.registers
        for i in 0...12 { r[i] = cpu[.r(i)] }
        r[13] = cpu[.sp]
        r[14] = cpu[.lr]
        r[15] = cpu[.pc]
        r[16] = cpu[.xpsr]
        r[17] = cpu[.msp]
        r[18] = cpu[.psp]
        r[20] = (cpu[.control] & 0x7) << 24 | (cpu[.faultmask] & 1) << 16 | (cpu[.basepri] & 0xFF) << 8 | (cpu[.primask] & 1)
        r[33] = cpu[.fpscr]
        for i in 0..<32 { r[64 + i] = cpu[.s(i)] }
        chip.core.registers = r
    }

    /// Called under the chip's lock when the debugger halts, resumes or resets the core.
    /// A step the debugger asks for runs here and now, on the debugger's thread under the chip's
    /// lock (the core thread is between slices): on a chip a step ends long before the
    /// debugger's next transfer, so the next DHCSR read must find it done.
    private func coreStateChanged() {
        let core = chip.core
        if core.state == .halted && !core.registersChanged { saveRegisters() }
        while core.state == .halted && core.stepsRequested > 0 {
            core.stepsRequested -= 1
            if core.registersChanged { loadRegisters() }
            syncCode()
            runSlice(limit: 1, singleInstruction: true)
            saveRegisters()
        }
    }

    // MARK: exceptions (ARMv7-M B1.5)

    /// Takes the pending exception that pre-empts, if one does; true if it did.
    @discardableResult
    private func takePendingException() -> Bool {
        guard !chip.core.interruptsMasked else { return false }     // DHCSR.C_MASKINTS
        let priority = chip.system.executionPriority(primask: cpu[.primask] & 1 != 0,
                                                     faultmask: cpu[.faultmask] & 1 != 0, basepri: cpu[.basepri])
        guard let n = chip.system.exceptionToTake(executionPriority: priority) else { return false }
        enter(n, returnAddress: cpu[.pc])
        return true
    }

    /// Exception entry: the context onto the stack in use, EXC_RETURN in LR, the handler's
    /// address from the vector table at VTOR.
    private func enter(_ n: Int, returnAddress: UInt32) {
        let xpsr = cpu[.xpsr], control = cpu[.control]
        let handlerMode = xpsr & 0x1FF != 0
        let usePSP = !handlerMode && control & 2 != 0
        let fpFrame = control & 4 != 0
        let frameSize: UInt32 = fpFrame ? 0x68 : 0x20
        var sp = (usePSP ? cpu[.psp] : cpu[.msp]) &- frameSize
        var padded = false
        if sp & 4 != 0 { sp &-= 4; padded = true }
        var words = [cpu[.r(0)], cpu[.r(1)], cpu[.r(2)], cpu[.r(3)], cpu[.r(12)], cpu[.lr], returnAddress & ~1,
                     xpsr | (padded ? 1 << 9 : 0)]
        if fpFrame { words += (0..<16).map { cpu[.s($0)] } + [cpu[.fpscr], 0] }
        var bytes: [UInt8] = []
        for w in words { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: w >> UInt32(8 * i))) } }
        guard cpu.writeMemory(sp, bytes) else {
            lockUp(pc: returnAddress, detail: "stacking exception \(n) at SP \(hexString(sp)) failed: the stack is outside RAM")
            return
        }
        if usePSP { cpu[.psp] = sp } else { cpu[.msp] = sp }
        let excReturn: UInt32 = (fpFrame ? 0xFFFF_FFE1 : 0xFFFF_FFF1) | (handlerMode ? 0 : 0x8) | (usePSP ? 0x4 : 0)
        guard let vector = cpu.readWord(chip.system.vtor &+ UInt32(4 * n)) else {
            lockUp(pc: returnAddress, detail: "the vector of exception \(n) at \(hexString(chip.system.vtor &+ UInt32(4 * n))) cannot be read")
            return
        }
        cpu[.control] = control & ~UInt32(0x6)        // handler mode runs on MSP; no FP context yet
        cpu[.xpsr] = (xpsr & 0xF800_0000) | (1 << 24) | UInt32(n)
        cpu[.lr] = excReturn
        chip.system.activate(n)
        log("enter exception \(n) from \(hexString(returnAddress)) sp \(hexString(sp)) vector \(hexString(vector))")
        sleeping = false
        guard vector & 1 == 1 else {
            // A vector without the Thumb bit (0 or erased flash: a missing handler) is an INVSTATE
            // usage fault on the first fetch, which escalates to HardFault.
            cpu[.pc] = vector & ~1
            takeFault(.usageFault, pc: vector, detail: "the vector of exception \(n) is \(hexString(vector)), not a Thumb handler address (missing vector?)", cfsr: 1 << 17)
            return
        }
        cpu[.pc] = vector & ~1
    }

    /// Exception return: EXC_RETURN names the stack and the mode to return to (B1.5.8).
    private func exceptionReturn() {
        let excReturn = cpu[.pc] | 1
        let current = Int(cpu[.xpsr] & 0x1FF)
        chip.system.deactivate(current)
        let toThread = excReturn & 0x8 != 0, usePSP = excReturn & 0x4 != 0, fpFrame = excReturn & 0x10 == 0
        let sp = usePSP ? cpu[.psp] : cpu[.msp]
        let frameSize: UInt32 = fpFrame ? 0x68 : 0x20
        guard let bytes = cpu.readMemory(sp, count: Int(frameSize)) else {
            lockUp(pc: excReturn, detail: "unstacking at SP \(hexString(sp)) failed")
            return
        }
        func word(_ i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[4 * i + $1]) << UInt32(8 * $1) } }
        let stackedXPSR = word(7)
        let newSP = sp &+ frameSize &+ (stackedXPSR & (1 << 9) != 0 ? 4 : 0)
        cpu[.xpsr] = stackedXPSR & ~UInt32(1 << 9)
        if toThread {
            cpu[.control] = (cpu[.control] & ~UInt32(0x6)) | (usePSP ? 2 : 0) | (fpFrame ? 4 : 0)
        }
        if usePSP { cpu[.psp] = newSP } else { cpu[.msp] = newSP }
        for (i, reg) in [0, 1, 2, 3, 12].enumerated() { cpu[.r(reg)] = word(i) }
        cpu[.lr] = word(5)
        if fpFrame {
            for i in 0..<16 { cpu[.s(i)] = word(8 + i) }
            cpu[.fpscr] = word(24)
        }
        // Bit 0 keeps the CPU in Thumb state: a PC written without it switches Unicorn to ARM.
        cpu[.pc] = word(6) | 1
        log("return from exception \(current) to \(hexString(word(6))) xpsr \(hexString(stackedXPSR))")
        cpu.stop()
    }

    private func interrupt(_ number: UInt32) {
        switch number {
        case 8:                                   // EXCP_EXCEPTION_EXIT
            exceptionReturn()
        case 2:                                   // SVC
            chip.system.pend(11)
            cpu.stop()
        case 7:                                   // BKPT
            if chip.core.debuggerAttached {
                chip.core.enterDebugHalt()
                saveRegisters()
            } else {
                takeFault(.usageFault, pc: cpu[.pc], detail: "BKPT with no debugger attached", cfsr: 0)
            }
            cpu.stop()
        default:
            // UDEF 1, NOCP 17 (FPU off), INVSTATE 18, UNALIGNED 22, …: usage faults.
            let why: [UInt32: (String, UInt32)] = [1: ("undefined instruction", 1 << 16), 17: ("FPU instruction with the FPU disabled (CPACR)", 1 << 19),
                                                   18: ("invalid state (branch to an ARM address?)", 1 << 17), 22: ("unaligned access", 1 << 24)]
            let (detail, bit) = why[number] ?? ("CPU exception \(number)", 1 << 16)
            takeFault(.usageFault, pc: cpu[.pc], detail: detail, cfsr: bit)
            cpu.stop()
        }
    }

    /// A fault: recorded for the bench, then HardFault (the configurable faults are not enabled
    /// by the harness, so they escalate); a fault inside HardFault locks the core up.
    private func takeFault(_ kind: CoreFault.Kind, pc: UInt32, detail: String, cfsr: UInt32, bfar: UInt32? = nil) {
        record(CoreFault(kind: kind, pc: pc, detail: detail))
        chip.system.cfsr |= cfsr
        if let bfar { chip.system.bfar = bfar }
        if chip.system.active[3] || chip.system.active[2] {
            lockUp(pc: pc, detail: "\(detail), inside the HardFault handler")
            return
        }
        chip.system.hfsr |= 1 << 30                    // FORCED
        enter(3, returnAddress: pc)
    }

    private func lockUp(pc: UInt32, detail: String) {
        record(CoreFault(kind: .lockup, pc: pc, detail: detail))
        chip.core.lockedUp = true
    }

    private func record(_ fault: CoreFault) {
        log("fault: \(fault)")
        chip.recordCoreFault(fault)
    }
}
