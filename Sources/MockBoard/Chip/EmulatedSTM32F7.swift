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
    private var ram: [(base: UInt32, bytes: [UInt8])]
    private var dbgmcu: [UInt32] = [0, 0, 0]  // DBGMCU_CR, APB1_FZ, APB2_FZ
    /// DWT, ITM, FPB and the rest of the private peripheral bus: plain storage.
    private var ppb: [UInt32: UInt32] = [:]
    public private(set) var isHeldInReset = false

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
                writeProtectedSectors: Set<Int> = [], revisionID: UInt16? = nil) {
        self.chip = chip
        self.clock = clock
        self.flash = FlashController(chip: chip, clock: clock, supplyVoltage: supplyVoltage,
                                     writeProtected: writeProtectedSectors)
        let cpuid = (chip.core.cpuidImplementer.value << 24) | (0x1 << 20) | (0xF << 16)
            | (chip.core.cpuidPart.value << 4)  // r1p0, architecture 0xF (ARMv7-M)
        self.core = CortexM7Core(cpuid: cpuid)
        self.ram = chip.ram.map { ($0.base.value, [UInt8](repeating: 0, count: $0.sizeKB * 1024)) }
        let listed = chip.revisions.keys.compactMap { HexNumber.parse($0) }.map { UInt16(truncatingIfNeeded: $0) }
        self.revisionID = revisionID ?? listed.max() ?? 0
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
        return Array(flash.cells[offset..<(offset + count)])
    }

    /// Sets flash contents as if an earlier session had programmed them (no time, no statistics).
    public func preload(flash bytes: [UInt8], at address: UInt32) {
        let offset = flashOffset(address, count: bytes.count)
        flash.cells.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
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
        flash.reset()
        core.enterReset()
        if !isHeldInReset { bootCore() }
        notifyRunState()
    }

    /// NRST driven low holds the chip in reset; released, the chip leaves reset as above.
    public func setNRST(low: Bool) {
        if low {
            isHeldInReset = true
            flash.reset()
            core.enterReset()
        } else if isHeldInReset {
            isHeldInReset = false
            bootCore()
        }
        notifyRunState()
    }

    /// The core boots from BOOT_ADD0, the flash (via its ITCM alias): SP from the first word, PC from
    /// the second.
    private func bootCore() {
        let cells = flash.cells
        core.leaveReset(initialSP: cells.littleEndian(at: 0, size: 4), resetVector: cells.littleEndian(at: 4, size: 4))
        bootPending = true
    }

    /// Reports a change of run state (and a boot) to the listener, if there is one.
    private func notifyRunState() {
        guard let listener = onRunStateChange else { return }
        let running = core.state == .running
        let booted = running && bootPending
        if booted { bootPending = false }
        guard running != lastRunning || booted else { return }
        lastRunning = running
        listener(running, booted)
    }

    // MARK: the bus

    public func read(address: UInt32, size: Int) -> Result<UInt32, BusFault> {
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
                return .success(Lanes.extract(core.read(address: address & ~3), address: address, size: size))
            case .ppb:
                return .success(Lanes.extract(ppb[address & ~3] ?? 0, address: address, size: size))
            }
        }
    }

    @discardableResult
    public func write(address: UInt32, size: Int, value: UInt32) -> Result<Void, BusFault> {
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
                return flash.writeRegister(offset: offset, address: address, size: size, value: value)
            case .flashSizeWord:
                return .failure(BusFault(address: address, reason: .readOnly))
            case let .dbgmcu(index):
                if index > 0 { dbgmcu[index - 1] = Lanes.merge(dbgmcu[index - 1], address: address, size: size, value: value) }
            case .scs:
                let word = Lanes.merge(core.read(address: address & ~3, sideEffects: false), address: address, size: size, value: value)
                if core.write(address: address & ~3, value: word) == .systemResetRequested { systemReset() }
                notifyRunState()    // DHCSR may have halted or resumed the core
            case .ppb:
                ppb[address & ~3] = Lanes.merge(ppb[address & ~3] ?? 0, address: address, size: size, value: value)
            }
            return .success(())
        }
    }
}
