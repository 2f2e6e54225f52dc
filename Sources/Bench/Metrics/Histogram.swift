/// A Prometheus histogram: cumulative bucket counts, sum and count.
struct Histogram: Sendable {
    let bounds: [Double]
    private(set) var counts: [Int]
    private(set) var sum = 0.0
    private(set) var count = 0

    init(bounds: [Double]) {
        self.bounds = bounds.sorted()
        counts = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        sum += value
        count += 1
        for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
    }

    /// The exposition lines for `name` with `labels` (already formatted, e.g. `timer_kind="measured"`).
    func lines(_ name: String, labels: String = "") -> [String] {
        let sep = labels.isEmpty ? "" : labels + ","
        var out = zip(bounds, counts).map { "\(name)_bucket{\(sep)le=\"\(PrometheusText.number($0))\"} \($1)" }
        out.append("\(name)_bucket{\(sep)le=\"+Inf\"} \(count)")
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        out.append("\(name)_sum\(braces) \(PrometheusText.number(sum))")
        out.append("\(name)_count\(braces) \(count)")
        return out
    }
}

enum PrometheusText {
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// Label values escape backslash, quote and newline.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
