/// What executes the harness on a board, as the report's board line names it: the chip itself,
/// an emulated core running the flashed firmware, or the harness compiled for this host (the fast
/// mock, which runs no firmware at all). An emulated core's timer is an emulated one, whatever the
/// firmware calls it: its DWT counts the emulator's instructions, not silicon cycles.
public enum BoardCore: Sendable, Equatable {
    case silicon
    /// `chip`: the part emulated; `cycleModel`: how its clock advances.
    case emulated(chip: String, cycleModel: String)
    case hostHarness
    /// A hil mock board reached over USB/IP, whose core the exporting host chose: its HELLO
    /// tells (the emulated core's firmware times with the DWT, the host harness estimates).
    case remoteMock(chip: String)

    /// What the board's HELLO shows it is.
    public func resolved(by timer: TimerKind) -> BoardCore {
        guard case let .remoteMock(chip) = self else { return self }
        return timer == .dwtCycleCounter ? .emulatedSTM32(chip) : .hostHarness
    }

    /// The mock board's emulated STM32F746 (`Sources/MockBoard/Core`).
    public static func emulatedSTM32(_ chip: String) -> BoardCore { .emulated(chip: chip, cycleModel: "1 cycle per instruction") }

    /// For the report's board line; nil on silicon.
    public var label: String? {
        switch self {
        case .silicon: return nil
        case let .emulated(chip, _): return "emulated \(chip) core running the flashed firmware"
        case .hostHarness: return "host-compiled harness, no firmware runs"
        case let .remoteMock(chip): return "\(chip) mock over USB/IP"
        }
    }

    /// The timer's name and kind in the report, from what the harness says it uses.
    public func timer(_ kind: TimerKind) -> (name: String, kind: String) {
        let named = TimerNames.describe(kind)
        guard case let .emulated(_, model) = self, kind == .dwtCycleCounter else { return named }
        return ("DWT cycle counter of the emulated core (\(model))", "emulated")
    }
}
