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
    /// The per-layer profile of this inference, when it was asked for and arrived whole.
    public var profile: LayerProfile? = nil
}

/// Where one inference's time went, as the device measured (or estimated) it, and the memory it
/// saw used: cycles of each layer by the timer the result names.
public struct LayerProfile: Equatable, Sendable, Codable {
    /// Cycles of layer i; empty when the model has more layers than the harness build records.
    public var layerCycles: [UInt64]
    public var layerCount: Int
    /// Measured on the device (painted arena); nil on the host.
    public var arenaPeakBytes: Int?
    public var stackPeakBytes: Int?

    public init(layerCycles: [UInt64], layerCount: Int, arenaPeakBytes: Int?, stackPeakBytes: Int?) {
        self.layerCycles = layerCycles
        self.layerCount = layerCount
        self.arenaPeakBytes = arenaPeakBytes
        self.stackPeakBytes = stackPeakBytes
    }
}
