import STLink

/// An emulated ST-LINK in front of an emulated STM32F7, sharing one virtual clock: the board a
/// driver flashes in CI. Hand `probe` to the driver as its `USBTransport`; look at `target` and
/// `statistics` afterwards.
public final class MockBoard {
    public let clock: VirtualClock
    public let target: EmulatedSTM32F7
    public let probe: EmulatedSTLink

    public init(chip: ChipDescription, probe config: EmulatedProbeConfig = .v2_1(), faults: FaultPlan = .none) {
        clock = VirtualClock()
        // One supply feeds both the probe's voltage reading and the flash cells.
        let volts = faults.targetVoltage ?? config.targetVoltage
        target = EmulatedSTM32F7(chip: chip, clock: clock, supplyVoltage: volts,
                                 writeProtectedSectors: faults.writeProtectedSectors)
        probe = EmulatedSTLink(config: config, target: target, clock: clock, faults: faults)
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
