import STLink

/// The STM32F74x peripherals the harness firmware uses, placed where the chip file says
/// (`boards/chips/*.json`, `peripherals`). Each block is 1 KB on its bus (RM0385 §2.2.2) and is
/// clocked by an RCC enable bit: with the bit clear, reads return 0 and writes are ignored, as
/// the silicon does, so firmware that forgets a clock sees a dead peripheral.
final class ChipDevices {
    enum Block: Hashable {
        case rcc, pwr, gpio(String), usart1, rng
    }

    let rcc: ResetAndClockControl
    let gpio: [String: GPIOPort]
    let usart1: USART
    let rng: RandomNumberGenerator
    private var bases: [(base: UInt32, block: Block)]
    static let blockSpan: UInt32 = 0x400
    var onFault: (ConfigurationFault) -> Void = { _ in }

    init(_ facts: ChipDescription.Peripherals, hseHz: Int, clock: CoreClock, lines: InterruptLines,
         flashLatency: @escaping () -> Int) {
        let l = facts.limits
        let limits = ResetAndClockControl.ChipLimits(
            hsiHz: l.hsiHz, sysclkMaxHz: l.sysclkMaxHz, overdriveAboveHz: l.overdriveAboveHz,
            apb1MaxHz: l.apb1MaxHz, apb2MaxHz: l.apb2MaxHz,
            vcoInputHz: l.vcoInputHz[0]...l.vcoInputHz[1], vcoOutputHz: l.vcoOutputHz[0]...l.vcoOutputHz[1],
            pllN: l.pllN[0]...l.pllN[1], pllM: l.pllM[0]...l.pllM[1], flashWaitStateMaxHz: l.flashWaitStateMaxHz)
        var report: (ConfigurationFault) -> Void = { _ in }
        let rcc = ResetAndClockControl(limits: limits, hseHz: hseHz, clock: clock, flashLatency: flashLatency,
                                       record: { report($0) })
        self.rcc = rcc
        gpio = Dictionary(uniqueKeysWithValues: facts.gpio.keys.map { ($0, GPIOPort(name: $0)) })
        usart1 = USART(irq: facts.usart1.irq ?? 37, clock: clock, lines: lines, kernelHz: { rcc.usart1KernelHz })
        // A seed that differs from boot to boot and board to board, as a TRNG's output does.
        rng = RandomNumberGenerator(seed: UInt64(UInt(bitPattern: ObjectIdentifier(rcc).hashValue)) ^ clock.cycles,
                                    clockRuns: { rcc.ck48Hz > 0 })
        bases = [(facts.rcc.base.value, .rcc), (facts.pwr.base.value, .pwr), (facts.usart1.base.value, .usart1),
                 (facts.rng.base.value, .rng)] + facts.gpio.map { ($0.value.base.value, .gpio($0.key)) }
        report = { [unowned self] in onFault($0) }
    }

    func reset() {
        rcc.reset()
        for port in gpio.values { port.reset() }
        usart1.reset()
        rng.reset()
    }

    /// The block and offset an address falls in, if any.
    func locate(_ address: UInt32) -> (Block, UInt32)? {
        for entry in bases where address >= entry.base && address - entry.base < ChipDevices.blockSpan {
            return (entry.block, address - entry.base)
        }
        return nil
    }

    /// The 4 KB pages the blocks occupy, for mapping them into the core's address space.
    var pages: Set<UInt32> { Set(bases.map { $0.base & ~0xFFF }) }

    private func clocked(_ block: Block) -> Bool {
        switch block {
        case .rcc, .pwr: return true       // PWR's own gate is inside the RCC model
        case let .gpio(name): return rcc.isEnabled(ahb1: ResetAndClockControl.gpioEnable[name] ?? 0)
        case .usart1: return rcc.isEnabled(apb2: ResetAndClockControl.usart1Enable)
        case .rng: return rcc.isEnabled(ahb2: ResetAndClockControl.rngEnable)
        }
    }

    func read(_ block: Block, offset: UInt32, fromCore: Bool = false) -> UInt32 {
        guard clocked(block) else { return 0 }
        switch block {
        case .rcc: return rcc.read(offset: offset)
        case .pwr: return rcc.readPWR(offset: offset)
        case let .gpio(name): return gpio[name]?.read(offset: offset) ?? 0
        case .usart1: return fromCore ? usart1.readFromCore(offset: offset) : usart1.read(offset: offset)
        case .rng: return rng.read(offset: offset)
        }
    }

    func write(_ block: Block, offset: UInt32, value: UInt32, mask: UInt32) {
        guard clocked(block) else { return }
        switch block {
        case .rcc: rcc.write(offset: offset, value: value, mask: mask)
        case .pwr: rcc.writePWR(offset: offset, value: value, mask: mask)
        case let .gpio(name): gpio[name]?.write(offset: offset, value: value, mask: mask)
        case .usart1: usart1.write(offset: offset, value: value, mask: mask)
        case .rng: rng.write(offset: offset, value: value, mask: mask)
        }
    }

    /// Whether USART1's pins reach the ST-LINK's virtual COM port: TX on PA9 and RX on PB7, each
    /// in alternate function 7 (UM1907, the board's VCP wiring).
    var vcpTransmitRouted: Bool { gpio["A"]?.routes(pin: 9, to: 7) ?? false }
    var vcpReceiveRouted: Bool { gpio["B"]?.routes(pin: 7, to: 7) ?? false }
}
