/// What answers on a mock board's virtual COM port.
///
/// - `emulated` (the default everywhere): the emulated STM32F746's Cortex-M7 runs the firmware the
///   probe flashed — the real `boards/firmware/stm32f746g-disco` harness with the model packed in —
///   so its clock tree, USART, DWT and vector table are exercised as on a board.
/// - `hostHarness`: the harness's C code compiled for this host answers instead, booted from what
///   the flash holds (its info block and model region) but running no firmware. Faster to start,
///   and it needs no cross-compiler: for tests of the bench around the board (scheduling, the API,
///   replug), never for a claim about the firmware.
public enum MockCoreKind: String, Sendable, CaseIterable, Codable {
    case emulated
    case hostHarness = "host-harness"
}

extension MockBoard {
    /// Plugs in the VCP with `kind` behind it; returns the pty's path. Serial faults apply to the
    /// host harness's line only (the emulated core's USART is the firmware's own).
    @discardableResult
    public func attach(_ kind: MockCoreKind, uart: MockUARTConfig, serialFaults: SerialFaultPlan = .none,
                       onPull: (@Sendable () -> Void)? = nil) throws -> String {
        switch kind {
        case .emulated: return try attachEmulatedCore()
        case .hostHarness: return try attachSerial(uart, faults: serialFaults, onPull: onPull)
        }
    }
}
