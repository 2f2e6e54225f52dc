import Foundation
import STLink

/// An STM32F7 as a debugger sees it through the AHB-AP: its memory map, identification registers,
/// flash interface and the core's debug registers, with flash time on a virtual clock.
///
/// Everything chip-specific comes from the `ChipDescription` (addresses, sizes, sector map, IDs,
/// timings, voltage limits); only architectural Cortex-M addresses and the flash interface's register
/// layout are written here. Any address nothing is mapped at is a bus fault, as on the silicon.
public final class EmulatedSTM32F7 {
    public let chip: ChipDescription
    let clock: VirtualClock
    let flash: FlashController
    let core: CortexM7Core
    /// Shared with the emulated core, which maps the same bytes.
    let ram: [(base: UInt32, bytes: MemoryBank)]
    private var dbgmcu: [UInt32] = [0, 0, 0]  // DBGMCU_CR, APB1_FZ, APB2_FZ
    /// DWT, ITM, FPB and the rest of the private peripheral bus: plain storage.
    private var ppb: [UInt32: UInt32] = [:]
    public private(set) var isHeldInReset = false

    /// The running core's side (`Sources/MockBoard/Core`, `Sources/MockBoard/Peripherals`): its
    /// clock, the System Control Space it sees, the DWT, and the peripherals the harness uses.
    let cycles = CoreClock()
    let system: SystemControl
    let dwt: DataWatchpointTrace
    let fpb = FlashPatchBreakpoint()
    let devices: ChipDevices?
    /// Probe and core reach the chip from their own threads: every bus access, reset and run
    /// slice holds this lock (recursive: a core run slice calls back into the bus).
    let lock = NSRecursiveLock()
    /// What the firmware configured against RM0385 or the datasheet, each recorded once.
    public private(set) var configurationFaults: [String] = []
    /// Faults the running firmware took (hard faults, lock-up), newest last.
    public private(set) var coreFaults: [CoreFault] = []
    func recordCoreFault(_ fault: CoreFault) {
        coreFaults.append(fault)
        if coreFaults.count > 32 { coreFaults.removeFirst() }
    }
    /// Locked snapshots for other threads (tests, the bench).
    public var faultsSeen: (configuration: [String], core: [CoreFault]) {
        lock.lock(); defer { lock.unlock() }
        return (configurationFaults, coreFaults)
    }
    /// Told when the core's state changes in ways a runner must act on (halted by the debugger,
    /// reset, registers written): `CoreRunner` reloads or saves the CPU's registers.
    var onCoreStateChange: (() -> Void)?

    /// Told, on the thread driving the probe, when firmware starts from reset (`booted`) and when the
    /// core stops or resumes (`running`). The mock board's serial side boots or pauses its harness
    /// on it, so what runs is what the flash holds at that moment.
    public var onRunStateChange: ((_ running: Bool, _ booted: Bool) -> Void)? {
        didSet { notifyRunState() }
    }
    /// Set when the core leaves reset; consumed when it first runs and someone is listening.
    private var bootPending = false
    private var lastRunning = false

    /// The REV_ID DBGMCU_IDCODE reports: the newest revision the chip file lists (0x1001 "Z" for
    /// F74x) unless a test asks for another.
    public let revisionID: UInt16
    /// DBGMCU_IDCODE bits 15:12 are reserved, yet a real F746 reads 0x10016449 there: a driver must
    /// mask DEV_ID with 0xFFF, and this keeps it honest.
    static let idcodeReservedBits: UInt32 = 0x6000

    public init(chip: ChipDescription, clock: VirtualClock, supplyVoltage: Double = 3.3,
                writeProtectedSectors: Set<Int> = [], revisionID: UInt16? = nil, hseHz: Int = 25_000_000) {
        self.chip = chip
        self.clock = clock
        self.flash = FlashController(chip: chip, clock: clock, supplyVoltage: supplyVoltage,
                                     writeProtected: writeProtectedSectors)
        let cpuid = (chip.core.cpuidImplementer.value << 24) | (0x1 << 20) | (0xF << 16)
            | (chip.core.cpuidPart.value << 4)  // r1p0, architecture 0xF (ARMv7-M)
        self.core = CortexM7Core(cpuid: cpuid)
        let core = self.core
        self.system = SystemControl(irqCount: chip.peripherals?.irqCount ?? 240, clock: cycles, prigroup: { core.prigroup })
        self.dwt = DataWatchpointTrace(clock: cycles, traceEnabled: { core.traceEnabled })
        self.ram = chip.ram.map { ($0.base.value, MemoryBank(count: $0.sizeKB * 1024)) }
        let listed = chip.revisions.keys.compactMap { HexNumber.parse($0) }.map { UInt16(truncatingIfNeeded: $0) }
        self.revisionID = revisionID ?? listed.max() ?? 0
        let flash = self.flash, cycles = self.cycles, system = self.system
        self.devices = chip.peripherals.map {
            ChipDevices($0, hseHz: hseHz, clock: cycles, lines: system, flashLatency: { Int(flash.acr & 0xF) })
        }
        devices?.onFault = { [unowned self] fault in
            let text = fault.description
            if !configurationFaults.contains(text) { configurationFaults.append(text) }
        }
        bootCore()  // power-on: the core comes out of reset running (no debugger attached yet)
    }

    // MARK: state for tests and the probe

    public var isLocked: Bool { flash.isLocked }
    public var coreState: CoreState { core.state }
    public var supplyVoltage: Double {
        get { flash.supplyVoltage }
        set { flash.supplyVoltage = newValue }
    }
    var flashStatistics: FlashStatistics { flash.statistics }

    /// The flash cells, read straight from the array: no bus, no stall, no time.
    public func flashBytes(at address: UInt32, count: Int) -> [UInt8] {
        let offset = flashOffset(address, count: count)
        return flash.cells.bytes(offset..<(offset + count))
    }

    /// Sets flash contents as if an earlier session had programmed them (no time, no statistics).
    public func preload(flash bytes: [UInt8], at address: UInt32) {
        let offset = flashOffset(address, count: bytes.count)
        flash.cells.replace(at: offset, with: bytes)
        flash.generation += 1
    }

    /// These two are test helpers: a range outside the flash is a mistake in the test, said plainly.
    private func flashOffset(_ address: UInt32, count: Int) -> Int {
        let base = chip.flash.base.value
        precondition(address >= base && Int(address - base) + count <= flash.cells.count,
                     "\(hexString(address)) + \(count) bytes is outside the flash (\(hexString(base)), \(flash.cells.count) bytes)")
        return Int(address - base)
    }

    // MARK: reset

    /// SYSRESETREQ, or NRST pulsed: flash interface re-locked and its registers reset, RAM kept,
    /// the core restarted from the vector table (halting if the debugger asked for it).
    public func systemReset() {
        lock.lock(); defer { lock.unlock() }
        flash.reset()
        resetDevices()
        core.enterReset()
        if !isHeldInReset { bootCore() }
        notifyRunState()
    }

    /// NRST driven low holds the chip in reset; released, the chip leaves reset as above.
    public func setNRST(low: Bool) {
        lock.lock(); defer { lock.unlock() }
        if low {
            isHeldInReset = true
            flash.reset()
            resetDevices()
            core.enterReset()
        } else if isHeldInReset {
            isHeldInReset = false
            bootCore()
        }
        notifyRunState()
    }

    /// Peripherals, the SCS the core sees and the DWT back to reset values (RAM and flash keep theirs).
    private func resetDevices() {
        system.reset()
        dwt.reset()
        devices?.reset()
    }

    /// The core boots from BOOT_ADD0, the flash (via its ITCM alias): SP from the first word, PC from
    /// the second.
    private func bootCore() {
        let cells = flash.cells
        core.leaveReset(initialSP: cells.littleEndian(at: 0, size: 4), resetVector: cells.littleEndian(at: 4, size: 4))
        bootPending = true
        onCoreStateChange?()
    }

    /// Reports a change of run state (and a boot) to the listener, if there is one.
    private func notifyRunState() {
        onCoreStateChange?()
        guard let listener = onRunStateChange else { return }
        let running = core.state == .running
        let booted = running && bootPending
        if booted { bootPending = false }
        guard running != lastRunning || booted else { return }
        lastRunning = running
        listener(running, booted)
    }

    // MARK: the bus

    /// A debugger's access through the AHB-AP.
    public func read(address: UInt32, size: Int) -> Result<UInt32, BusFault> {
        lock.lock(); defer { lock.unlock() }
        return read(address: address, size: size, fromCore: false)
    }

    @discardableResult
    public func write(address: UInt32, size: Int, value: UInt32) -> Result<Void, BusFault> {
        lock.lock(); defer { lock.unlock() }
        return write(address: address, size: size, value: value, fromCore: false)
    }

    /// An access by the core (`fromCore`) or the debugger; the DWT's lock binds only the core.
    func read(address: UInt32, size: Int, fromCore: Bool) -> Result<UInt32, BusFault> {
        switch decode(address, size: size) {
        case let .failure(fault):
            return .failure(fault)
        case let .success(target):
            switch target {
            case let .flash(offset, _): return .success(flash.readCells(offset: offset, size: size))
            case let .ram(bank, offset): return .success(ram[bank].bytes.littleEndian(at: offset, size: size))
            case let .flashInterface(offset):
                return .success(flash.readRegister(offset: offset, address: address, size: size))
            case .flashSizeWord:
                let word = UInt32(chip.flash.sizeKB) << ((chip.flashSizeRegister.value & 3) * 8)
                return .success(Lanes.extract(word, address: address, size: size))
            case let .dbgmcu(index):
                let idcode = (UInt32(revisionID) << 16) | EmulatedSTM32F7.idcodeReservedBits | (chip.devId.value & 0xFFF)
                let word = index == 0 ? idcode : dbgmcu[index - 1]
                return .success(Lanes.extract(word, address: address, size: size))
            case .scs:
                let word = SystemControl.claims(address & ~3) ? system.read(address: address & ~3) : core.read(address: address & ~3)
                return .success(Lanes.extract(word, address: address, size: size))
            case .dwt:
                return .success(Lanes.extract(dwt.read(address: address & ~3), address: address, size: size))
            case .fpb:
                return .success(Lanes.extract(fpb.read(address: address & ~3), address: address, size: size))
            case .ppb:
                return .success(Lanes.extract(ppb[address & ~3] ?? 0, address: address, size: size))
            case let .device(block, offset):
                return .success(Lanes.extract(devices!.read(block, offset: offset & ~3, fromCore: fromCore), address: address, size: size))
            }
        }
    }

    func write(address: UInt32, size: Int, value: UInt32, fromCore: Bool) -> Result<Void, BusFault> {
        switch decode(address, size: size) {
        case let .failure(fault):
            return .failure(fault)
        case let .success(target):
            switch target {
            case let .flash(offset, viaAlias):
                // The ITCM alias is a read path; flash is programmed through its AXIM address only.
                if viaAlias { return .failure(BusFault(address: address, reason: .readOnly)) }
                flash.programCells(offset: offset, size: size, value: value)
            case let .ram(bank, offset):
                ram[bank].bytes.storeLittleEndian(value, at: offset, size: size)
            case let .flashInterface(offset):
                let result = flash.writeRegister(offset: offset, address: address, size: size, value: value)
                if offset & ~3 == 0 { devices?.rcc.checkClocks() }   // ACR: wait states against HCLK
                return result
            case .flashSizeWord:
                return .failure(BusFault(address: address, reason: .readOnly))
            case let .dbgmcu(index):
                if index > 0 { dbgmcu[index - 1] = Lanes.merge(dbgmcu[index - 1], address: address, size: size, value: value) }
            case .scs where SystemControl.claims(address & ~3):
                let (bits, covered) = Lanes.place(value, address: address, size: size)
                system.write(address: address & ~3, value: bits, mask: covered)
            case .scs:
                let word = Lanes.merge(core.read(address: address & ~3, sideEffects: false), address: address, size: size, value: value)
                if core.write(address: address & ~3, value: word) == .systemResetRequested { systemReset() }
                dwt.refresh()       // DEMCR.TRCENA gates the cycle counter
                notifyRunState()    // DHCSR may have halted or resumed the core
            case .dwt:
                let (bits, covered) = Lanes.place(value, address: address, size: size)
                dwt.write(address: address & ~3, value: bits, mask: covered, fromCore: fromCore)
            case .fpb:
                let (bits, covered) = Lanes.place(value, address: address, size: size)
                fpb.write(address: address & ~3, value: bits, mask: covered)
            case let .device(block, offset):
                let (bits, covered) = Lanes.place(value, address: address, size: size)
                devices!.write(block, offset: offset & ~3, value: bits, mask: covered)
            case .ppb:
                ppb[address & ~3] = Lanes.merge(ppb[address & ~3] ?? 0, address: address, size: size, value: value)
            }
            return .success(())
        }
    }
}
