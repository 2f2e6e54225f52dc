/// Dataset class names -> model class indices, by name, never by position: sorting folder names
/// and numbering them (what torchvision's ImageFolder does) silently mislabels a dataset whose
/// folders sort differently from the model's labels, e.g. "del" after "Z" in one and before "A"
/// in the other.
///
/// In order, the first that applies wins:
/// 1. the label map, when one is given and names the class (its label must be a model label,
///    spelled exactly: the map is explicit, so it gets no second guessing);
/// 2. a model label equal to the name (case-sensitive);
/// 3. the one model label equal to the name when both are lowercased ("a" -> "A"); two such
///    labels ("a" and "A" both in the model) make the name ambiguous, an error.
struct ClassResolver {
    let labels: [String]
    let map: LabelMap?
    private let exact: [String: Int]
    private let folded: [String: [Int]]

    init(labels: [String], map: LabelMap?) {
        self.labels = labels
        self.map = map
        var exact: [String: Int] = [:]
        var folded: [String: [Int]] = [:]
        for (index, label) in labels.enumerated() {
            exact[label] = index
            folded[label.lowercased(), default: []].append(index)
        }
        self.exact = exact
        self.folded = folded
    }

    /// `path` is the file or folder the name came from, for the error.
    func resolve(_ name: String, origin: DatasetError.ClassOrigin, path: String,
                 nestedHint: String? = nil) throws(DatasetError) -> Int {
        if let map, let target = map.entries[name] {
            guard let index = exact[target] else {
                throw DatasetError(path, .mapTargetUnknown(mapPath: map.path, name: name, target: target, labels: labels))
            }
            return index
        }
        if let index = exact[name] { return index }
        let candidates = folded[name.lowercased()] ?? []
        switch candidates.count {
        case 1: return candidates[0]
        case 0: throw DatasetError(path, .unknownClass(name: name, origin: origin, labels: labels, nestedHint: nestedHint))
        default: throw DatasetError(path, .ambiguousClass(name: name, origin: origin, candidates: candidates.map { labels[$0] }))
        }
    }
}
