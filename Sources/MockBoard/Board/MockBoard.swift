import STLink

/// An emulated ST-LINK in front of an emulated STM32F7, sharing one virtual clock: the board a
/// driver flashes in CI. Hand `probe` to the driver as its `USBTransport`; look at `target` and
/// `statistics` afterwards.
public final class MockBoard {
    public let clock: VirtualClock
    public let target: EmulatedSTM32F7
    public let probe: EmulatedSTLink
    private var uart: MockUART?
    private var runner: CoreRunner?

    /// `hseHz`: the board's crystal (`hse_hz` in `boards/*.json`), which the emulated RCC's HSE runs at.
    public init(chip: ChipDescription, probe config: EmulatedProbeConfig = .v2_1(), faults: FaultPlan = .none,
                hseHz: Int = 25_000_000) {
        clock = VirtualClock()
        // One supply feeds both the probe's voltage reading and the flash cells.
        let volts = faults.targetVoltage ?? config.targetVoltage
        target = EmulatedSTM32F7(chip: chip, clock: clock, supplyVoltage: volts,
                                 writeProtectedSectors: faults.writeProtectedSectors, hseHz: hseHz)
        probe = EmulatedSTLink(config: config, target: target, clock: clock, faults: faults)
    }

    deinit {
        uart?.post(.stop)
        runner?.stop()
    }

    /// Plugs in the virtual COM port of an emulated board whose core runs what its flash holds:
    /// the real harness firmware, its USART1 on the returned pty. Nothing of the harness runs on
    /// the host: HELLO, replies and timings come from the emulated STM32F746.
    @discardableResult
    public func attachEmulatedCore() throws -> String {
        if let runner { return runner.pty.path }
        precondition(uart == nil, "a board has either the host harness or an emulated core behind its VCP")
        let core = try CoreRunner(chip: target)
        runner = core
        core.start()
        return core.pty.path
    }

    /// Plugs in the board's virtual COM port and returns the path the host opens (a pty).
    ///
    /// Behind it the harness (the firmware's own C code, built for this host) boots whenever the
    /// core starts from reset, from what the emulated flash then holds: the info block and the
    /// model region. An empty or foreign image gives no HELLO; a halted core answers nothing.
    @discardableResult
    public func attachSerial(_ config: MockUARTConfig, faults: SerialFaultPlan = .none,
                             onPull: (@Sendable () -> Void)? = nil) throws -> String {
        if let uart { return uart.pty.path }
        let line = try MockUART(config: config, faults: faults)
        line.onPull = onPull
        uart = line
        let target = self.target
        target.onRunStateChange = { [weak line] running, booted in
            guard let line else { return }
            if booted {
                let info = HarnessInfoBlock(target.flashBytes(at: config.infoBlockAddress, count: HarnessInfoBlock.size))
                let model = target.flashBytes(at: config.modelRegionBase, count: config.modelRegionSize)
                line.post(.boot(info: info, model: model))
            }
            line.post(.run(running))
        }
        line.start()
        return line.pty.path
    }

    /// Pulls the virtual COM port: the host's reads see a hang-up.
    public func detachSerial() {
        uart?.post(.stop)
        uart = nil
        runner?.stop()
        runner = nil
        target.onRunStateChange = nil
    }

    public var statistics: MockStatistics {
        var result = probe.statistics
        let flash = target.flashStatistics
        result.sectorErases = flash.sectorErases
        result.massErases = flash.massErases
        result.programAccesses = flash.programAccesses
        result.flashBusyTime = flash.flashBusyTime
        return result
    }
}
