/// One prediction, attributed to the caller's sample: the device computed it over exactly that
/// sample's bytes (its input CRC matched) during the boot named by `bootID`.
public struct SampleResult: Equatable, Sendable {
    /// The caller's id for the sample.
    public var id: Int
    public var predictedClass: Int
    /// The label of `predictedClass`, when the device sent labels.
    public var label: String?
    /// The final layer's int8 scores, one per class.
    public var scores: [Int8]
    public var cycles: UInt64
    /// How `cycles` was obtained: a measurement, an emulation or an estimate.
    public var timer: TimerKind
    /// `cycles` at the device's core clock.
    public var latency: Duration
    public var bootID: UInt32
    /// Passes sent beyond the first (resends and restarts) before this result came.
    public var retries: Int
}
