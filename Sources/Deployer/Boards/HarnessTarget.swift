/// Where a harness runs, described by what packing a model and reporting on it need: an STM32
/// board from `boards/*.json`, or a QEMU machine from `boards/qemu/*.json`.
public struct HarnessTarget: Sendable, Equatable {
    public let name: String
    public let firmware: BoardDefinition.Firmware
    public let harness: BoardDefinition.Harness
    public let coreClockHz: Int
    /// The memory the firmware image is written to (flash on a board).
    public let flashBytes: Int
    public let ramBytes: Int

    public init(name: String, firmware: BoardDefinition.Firmware, harness: BoardDefinition.Harness,
                coreClockHz: Int, flashBytes: Int, ramBytes: Int) {
        self.name = name; self.firmware = firmware; self.harness = harness
        self.coreClockHz = coreClockHz; self.flashBytes = flashBytes; self.ramBytes = ramBytes
    }
}

extension BoardDefinition {
    public var harnessTarget: HarnessTarget {
        HarnessTarget(name: name, firmware: firmware, harness: harness, coreClockHz: coreClockHz,
                      flashBytes: flashKb * 1024, ramBytes: ramKb * 1024)
    }
}
