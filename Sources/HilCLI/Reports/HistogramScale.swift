import Foundation

/// Equal-width bins over a set of values, and the "nice" axis ticks (1, 2 or 5 × 10ⁿ apart) to
/// label them: the arithmetic of the latency histogram, kept apart from its drawing.
struct HistogramBins: Equatable {
    let lower: Double
    let upper: Double
    let counts: [Int]

    var binWidth: Double { (upper - lower) / Double(counts.count) }

    /// About √n bins (a usual rule of thumb for a few hundred samples), at most `maxBins`. When
    /// every value is the same (a deterministic emulated timer does that) the range would be zero
    /// wide: it gets one bin, widened a little either side so there is still an axis to draw.
    init?(_ values: [Double], maxBins: Int = 40) {
        let v = values.filter(\.isFinite)
        guard let lo = v.min(), let hi = v.max() else { return nil }
        if hi - lo <= abs(hi) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.05
            lower = lo - pad
            upper = hi + pad
            counts = [v.count]
            return
        }
        let k = min(max(1, maxBins), max(1, Int(Double(v.count).squareRoot().rounded(.up))))
        lower = lo
        upper = hi
        var counts = [Int](repeating: 0, count: k)
        let width = (hi - lo) / Double(k)
        for x in v {
            // The maximum lands on the last bin's upper edge; it belongs to that bin.
            counts[min(k - 1, Int((x - lo) / width))] += 1
        }
        self.counts = counts
    }
}

enum AxisTicks {
    /// Ticks covering [lower, upper] about `target` apart in count, on round values.
    static func ticks(lower: Double, upper: Double, target: Int = 5) -> [Double] {
        guard lower.isFinite, upper.isFinite, upper > lower else { return lower.isFinite ? [lower] : [] }
        let step = niceStep((upper - lower) / Double(max(1, target)))
        let first = (lower / step).rounded(.up)
        let last = (upper / step).rounded(.down)
        guard last >= first else { return [] }
        // Multiples of the step rather than a running sum, so rounding error does not accumulate.
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let f = raw / magnitude
        let nice: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A tick label with as many decimals as the step needs and no more.
    static func label(_ value: Double, step: Double) -> String {
        let decimals = step > 0 && step.isFinite ? max(0, Int(-(log10(step)).rounded(.down))) : 0
        return String(format: "%.\(min(decimals, 6))f", value)
    }
}
