// The USB ids that make a device an ST-LINK. Given by the caller (hild takes them from STLink's
// probe table) so this module does not depend on STLink.

public struct ProbeIDs: Sendable {
    private let pairs: Set<String>

    /// Pairs of hex ids, any case, e.g. [("0483", "3748"), ("0483", "374b")].
    public init(_ pairs: [(vendor: String, product: String)]) {
        self.pairs = Set(pairs.map { Self.key($0.vendor, $0.product) })
    }

    /// False when either id is unknown: a device we cannot identify is not a probe.
    public func contains(vendor: String?, product: String?) -> Bool {
        guard let vendor, let product else { return false }
        return pairs.contains(Self.key(vendor, product))
    }

    private static func key(_ vendor: String, _ product: String) -> String {
        "\(vendor.lowercased()):\(product.lowercased())"
    }
}
