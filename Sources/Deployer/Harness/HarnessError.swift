/// Why a harness session stopped. Each case says what was expected and what to check.
public enum HarnessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No HELLO arrived although one was requested.
    case noHello(attempts: Int)
    case unsupportedProtocol(version: UInt8, supported: UInt8)
    /// The device has no usable model; the run cannot start.
    case noModel(ModelState)
    /// After a reboot the device holds another model than the one the run started with.
    case modelChanged(before: String, after: String)
    /// A sample's input is not the size the model takes.
    case inputSize(sampleID: Int, expected: Int, got: Int)
    /// The device refused a baud rate (above its maximum or not possible).
    case baudRefused(requested: UInt32, maximum: UInt32)
    /// SET_BAUD went unanswered; the session stays at its rate.
    case noBaudAck(requested: UInt32, attempts: Int)
    /// The device acknowledged a rate but could not be reached at it; the session is back at `current`.
    case baudSwitchFailed(requested: UInt32, current: UInt32)
    /// The runtime failed on the device for this sample (deterministic: not retried).
    case inferenceFailed(sampleID: Int, status: UInt32, text: String)
    /// A sample was resent this many times in a row without the device getting any further with it.
    case tooManyRetries(sampleID: Int, retries: Int)
    /// Nothing sensible came back for this many PINGs in a row.
    case linkDead(unansweredPings: Int)

    public var description: String {
        switch self {
        case let .noHello(attempts):
            return "no HELLO from the device after \(attempts) requests; check the serial port, its baud rate and that the harness firmware is running"
        case let .unsupportedProtocol(version, supported):
            return "the device speaks harness protocol \(version), this host 1 to \(supported); flash a matching firmware"
        case let .noModel(state):
            return "the device has no usable model (\(state)); flash a model into the model region"
        case let .modelChanged(before, after):
            return "the device's model changed during the run (SHA-256 \(before) before, \(after) after a reboot); rerun against the new model"
        case let .inputSize(id, expected, got):
            return "sample \(id) has \(got) bytes but the model takes \(expected) (its input shape); check the dataset's preprocessing"
        case let .baudRefused(requested, maximum):
            return "the device refused \(requested) baud (its maximum is \(maximum)); ask for a lower rate"
        case let .noBaudAck(requested, attempts):
            return "the device did not acknowledge \(requested) baud after \(attempts) requests; check the link at the current rate"
        case let .baudSwitchFailed(requested, current):
            return "the device acknowledged \(requested) baud but did not answer at it; the link is back at \(current) baud; the adapter may not reach that rate"
        case let .inferenceFailed(id, status, text):
            return "the device failed to run sample \(id): \(text) (runtime status \(status))"
        case let .tooManyRetries(id, retries):
            return "sample \(id) was resent \(retries) times in a row without getting any further; the link is too noisy or the device keeps resetting"
        case let .linkDead(pings):
            return "the device answered none of \(pings) PINGs; check the cable and that the board is powered and not halted"
        }
    }
}
