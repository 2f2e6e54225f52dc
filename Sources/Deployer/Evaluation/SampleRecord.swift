/// One sample's outcome: what it was, what the board said, what the host's reference said.
public struct SampleRecord: Codable, Sendable, Equatable {
    public let index: Int
    public let source: String
    public let label: Int
    public let predicted: Int
    public let reference: Int
    public let cycles: UInt64
    /// The board's int8 scores, for top-5; nil when the result carried none.
    public let scores: [Int8]?

    public init(index: Int, source: String, label: Int, predicted: Int, reference: Int, cycles: UInt64, scores: [Int8]?) {
        self.index = index; self.source = source; self.label = label; self.predicted = predicted
        self.reference = reference; self.cycles = cycles; self.scores = scores
    }

    /// Whether `label` is among the five highest scores (ties broken by the lower index, as argmax).
    var inTop5: Bool? {
        guard let scores, scores.count >= 5 else { return nil }
        let ranked = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return ranked.prefix(5).contains(label)
    }
}

/// The latency distribution of a run. Percentiles use the nearest-rank method (the smallest value
/// with at least p % of the samples at or below it); the median is the middle value, or the mean of
/// the two middle values for an even count.
public struct Distribution: Codable, Sendable, Equatable {
    public let min: Double, median: Double, p90: Double, p99: Double, max: Double, mean: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let v = values.sorted()
        let n = v.count
        func rank(_ p: Double) -> Double { v[Swift.max(0, Int((p / 100 * Double(n)).rounded(.up)) - 1)] }
        min = v[0]
        max = v[n - 1]
        median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        p90 = rank(90)
        p99 = rank(99)
        mean = v.reduce(0, +) / Double(n)
    }

    public func scaled(by factor: Double) -> Distribution {
        Distribution(min: min * factor, median: median * factor, p90: p90 * factor, p99: p99 * factor, max: max * factor, mean: mean * factor)
    }

    init(min: Double, median: Double, p90: Double, p99: Double, max: Double, mean: Double) {
        self.min = min; self.median = median; self.p90 = p90; self.p99 = p99; self.max = max; self.mean = mean
    }
}
