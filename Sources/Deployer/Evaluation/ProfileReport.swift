/// Where the time and the memory of an inference go: the per-layer profile of the first few inputs
/// (median cycles per layer over them), laid against the model's layers, and the memory the device
/// measured against the board's limits. Built from the results that carried a `LayerProfile`.
public struct ProfileReport: Codable, Sendable {
    public struct Layer: Codable, Sendable, Equatable {
        public let index: Int
        public let op: String
        public let outputShape: [Int]
        public let parameters: UInt64
        public let macs: UInt64
        /// Median over the profiled inputs.
        public let cycles: UInt64
        public let microseconds: Double
        /// nil for layers without multiply-accumulates (pools, adds).
        public let cyclesPerMac: Double?
        /// Of the layers' total.
        public let share: Double
        /// Among the most expensive layers (the fewest that make half the time, at most three).
        public let hot: Bool
    }
    public struct Memory: Codable, Sendable, Equatable {
        /// The highest arena byte inference wrote, + 1 (the harness paints the arena); nil on the host.
        public let arenaPeakBytes: Int?
        /// What the model's plan says it needs, and what the harness build has.
        public let arenaPlannedBytes: Int
        public let arenaAvailableBytes: Int
        /// The most stack the firmware used (painted at reset); nil where not measured.
        public let stackPeakBytes: Int?
        /// The harness firmware's own sections (flash and RAM), from its ELF; nil for the mock
        /// and host runs, which run no firmware image.
        public var firmwareSections: [FirmwareSection]? = nil
    }

    /// Inputs asked to be profiled, and how many profiles arrived whole.
    public let requestedInputs: Int
    public let profiledInputs: Int
    public let timer: String
    public let timerKind: String
    /// Empty when the harness did not record layers (`note` says why).
    public let layers: [Layer]
    /// Median over the profiled inputs of the layers' sum, and of the whole inference (RESULT).
    public let layerCyclesTotal: UInt64
    public let inferenceCycles: UInt64
    public let memory: Memory?
    public let note: String?

    /// The per-layer cycles must add up to the whole inference's within this share (or
    /// `toleranceCycles`, whichever is larger): the rest is the harness's own work around hil_invoke.
    public static let tolerance = 0.05
    public static let toleranceCycles: UInt64 = 10_000

    /// Whether `sum` of the layers is the `whole` inference within the tolerance.
    public static func addsUp(sum: UInt64, whole: UInt64) -> Bool {
        let gap = sum > whole ? sum - whole : whole - sum
        return gap <= max(toleranceCycles, UInt64(Double(whole) * tolerance))
    }

    /// The report for `profiled` (each result's whole cycles and its profile); nil when none was asked.
    /// A profile whose layers do not add up to its inference is the harness's error, thrown.
    public static func build(model: ModelFile, profiled: [(cycles: UInt64, profile: LayerProfile)], requested: Int,
                             timer: (name: String, kind: String), coreClockHz: Int,
                             arenaAvailableBytes: Int, note: String? = nil,
                             firmwareSections: [FirmwareSection]? = nil) throws(RunError) -> ProfileReport? {
        guard requested > 0 else { return nil }
        let table = model.layerTable
        var why = note
        let usable = profiled.filter { $0.profile.layerCycles.count == table.count && !table.isEmpty }
        if why == nil, profiled.isEmpty {
            why = "no profile arrived from the board for the \(requested) input(s) asked"
        } else if why == nil, usable.isEmpty, let first = profiled.first {
            why = "the model has \(first.profile.layerCount) layers, more than the harness records per inference"
        }
        for p in usable {
            let sum = p.profile.layerCycles.reduce(0, +)
            guard addsUp(sum: sum, whole: p.cycles) else {
                throw .profileDoesNotAddUp(layers: sum, whole: p.cycles)
            }
        }
        let medians: [UInt64] = table.indices.map { i in median(usable.map { $0.profile.layerCycles[i] }) }
        let total = medians.reduce(0, +)
        let order = medians.indices.sorted { medians[$0] > medians[$1] }
        var hot = Set<Int>(), covered: UInt64 = 0
        for i in order.prefix(3) where covered * 2 < total { hot.insert(i); covered += medians[i] }
        let layers: [Layer] = usable.isEmpty ? [] : table.map { l -> Layer in
            let c = medians[l.index]
            return Layer(index: l.index, op: l.op, outputShape: l.outputShape, parameters: l.parameters, macs: l.macs,
                         cycles: c, microseconds: coreClockHz > 0 ? Double(c) * 1e6 / Double(coreClockHz) : 0,
                         cyclesPerMac: l.macs > 0 ? Double(c) / Double(l.macs) : nil,
                         share: total > 0 ? Double(c) / Double(total) : 0, hot: hot.contains(l.index))
        }
        let arena = profiled.compactMap(\.profile.arenaPeakBytes).max()
        let stack = profiled.compactMap(\.profile.stackPeakBytes).max()
        return ProfileReport(
            requestedInputs: requested, profiledInputs: usable.count, timer: timer.name, timerKind: timer.kind,
            layers: layers, layerCyclesTotal: total, inferenceCycles: median(usable.map(\.cycles)),
            memory: Memory(arenaPeakBytes: arena, arenaPlannedBytes: model.summary.arenaBytes,
                           arenaAvailableBytes: arenaAvailableBytes, stackPeakBytes: stack, firmwareSections: firmwareSections),
            note: why)
    }

    static func median(_ values: [UInt64]) -> UInt64 {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
