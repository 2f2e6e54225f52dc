/// The NumPy layout: an inputs array and a labels array of the same length.
///
/// Inputs, N×H×W×C or N×C×H×W (or N×H×W when the model has one channel), already at the model's
/// size (no resizing: arrays are usually exported from the training pipeline itself). A shape that
/// reads both ways (H = W = C) takes the layout the model records, and is refused without one.
/// - uint8: pixels, quantised exactly as decoded images are (through `ModelInputSpec.pixelRange`);
/// - int8: already quantised, used as they are;
/// - float32: the real values x, quantised with the spec's scale and zero point; values far outside
///   what the model takes (0..255 for a unit model) are refused, not saturated (`FloatRangeCheck`).
/// Labels, shape (N,): integers of any width, as indices into the model's labels; or strings
/// ('<U', or bytes '|S' as UTF-8) matched by name like folder names.
struct NumpyDataset {
    static let inputNames = ["x.npy", "inputs.npy", "images.npy"]
    static let labelNames = ["y.npy", "labels.npy"]

    let inputs: NpyArray
    /// Rows are C×H×W and are transposed to the model's H×W×C as they are read.
    let channelsFirst: Bool
    let labelsPath: String
    /// Model class index of each row, in file order.
    let labels: [Int]

    /// The inputs array of a directory, if it has one; two candidates are ambiguous.
    static func inputsFile(in directory: String, names: [String]) throws(DatasetError) -> String? {
        let present = inputNames.filter { names.contains($0) && DatasetFiles.kind(of: DatasetFiles.join(directory, $0)) == .file }
        guard present.count <= 1 else { throw DatasetError(directory, .npyAmbiguousFiles(present)) }
        return present.first.map { DatasetFiles.join(directory, $0) }
    }

    /// Next to the inputs: for "test_x.npy", "test_y.npy" first; then y.npy or labels.npy (both
    /// present is ambiguous). The directory part of the path is kept as the caller spelled it.
    static func labelsFile(for inputsPath: String) throws(DatasetError) -> String {
        let slash = inputsPath.lastIndex(of: "/")
        let directory = slash.map { String(inputsPath[...$0]) } ?? ""
        let name = slash.map { String(inputsPath[inputsPath.index(after: $0)...]) } ?? inputsPath
        var tried: [String] = []
        if !inputNames.contains(name), name.lowercased().hasSuffix("x.npy") {
            let sibling = directory + name.dropLast(5) + (name.dropLast(4).hasSuffix("X") ? "Y.npy" : "y.npy")
            if DatasetFiles.kind(of: sibling) == .file { return sibling }
            tried.append(sibling)
        }
        let candidates = labelNames.map { directory + $0 }
        let present = candidates.filter { DatasetFiles.kind(of: $0) == .file }
        guard present.count <= 1 else { throw DatasetError(directory.isEmpty ? "." : directory, .npyAmbiguousFiles(present)) }
        guard let labels = present.first else { throw DatasetError(inputsPath, .npyNoLabels(tried: tried + candidates)) }
        return labels
    }

    /// Reads and checks both arrays: dtypes, shapes, counts, every label.
    init(inputsPath: String, spec: ModelInputSpec, resolver: ClassResolver) throws(DatasetError) {
        inputs = try NpyArray.read(inputsPath)
        let kind = inputs.dtype.kind, size = inputs.dtype.count
        guard (kind == .unsigned || kind == .signed) && size == 1 || kind == .float && size == 4 else {
            throw DatasetError(inputsPath, .npyInputDType(inputs.dtype.descr))
        }
        channelsFirst = try NumpyDataset.layout(of: inputs, spec: spec)
        if kind == .unsigned && spec.pixelRange == nil { throw DatasetError(inputsPath, .noPixelRange(what: "uint8 pixels")) }

        labelsPath = try NumpyDataset.labelsFile(for: inputsPath)
        let labelArray = try NpyArray.read(labelsPath)
        guard labelArray.dtype.isInteger || labelArray.dtype.kind == .unicode || labelArray.dtype.kind == .bytes else {
            throw DatasetError(labelsPath, .npyLabelDType(labelArray.dtype.descr))
        }
        guard labelArray.shape.count == 1 else { throw DatasetError(labelsPath, .npyLabelShape(found: labelArray.shape)) }
        let count = inputs.shape[0]
        guard labelArray.shape[0] == count else {
            throw DatasetError(labelsPath, .npyCountMismatch(inputsPath: inputsPath, inputs: count, labels: labelArray.shape[0]))
        }
        guard count > 0 else { throw DatasetError(inputsPath, .empty(skipped: 0)) }

        var labels: [Int] = []
        labels.reserveCapacity(count)
        if labelArray.dtype.isInteger {
            for i in 0..<count {
                let value = labelArray.integer(i)
                guard value >= 0 && value < Int64(spec.labels.count) else {
                    throw DatasetError(labelsPath, .npyLabelOutOfRange(sample: i, value: value, count: spec.labels.count))
                }
                labels.append(Int(value))
            }
        } else {
            var resolved: [String: Int] = [:]  // 87,000 rows hold 29 names: resolve each once
            for i in 0..<count {
                guard let name = labelArray.string(i) else { throw DatasetError(labelsPath, .npyBadString(sample: i)) }
                if let index = resolved[name] {
                    labels.append(index)
                } else {
                    let index = try resolver.resolve(name, origin: .npyLabel(sample: i), path: labelsPath)
                    resolved[name] = index
                    labels.append(index)
                }
            }
        }
        self.labels = labels
    }

    /// Whether the rows are channels-first. N×H×W×C and N×C×H×W are told apart by the model's
    /// shape; with one channel both are the same bytes, so only H = W = C is ambiguous.
    static func layout(of inputs: NpyArray, spec: ModelInputSpec) throws(DatasetError) -> Bool {
        let dims = Array(inputs.shape.dropFirst())
        let hwc = [spec.height, spec.width, spec.channels], chw = [spec.channels, spec.height, spec.width]
        let lastFits = dims == hwc || spec.channels == 1 && dims == [spec.height, spec.width]
        let firstFits = dims == chw
        switch (lastFits, firstFits) {
        case (true, false): return false
        case (false, true): return true
        case (true, true) where spec.channels == 1: return false
        case (true, true):
            switch spec.sourceLayout {
            case .nchw: return true
            case .nhwc: return false
            case .notRecorded: throw DatasetError(inputs.path, .npyAmbiguousLayout(found: inputs.shape, expected: hwc))
            }
        case (false, false):
            throw DatasetError(inputs.path, .npyInputShape(found: inputs.shape, expected: hwc))
        }
    }

    /// Rows in `order` (label, row index) -> samples.
    func samples(_ order: [(label: Int, item: Int)], spec: ModelInputSpec, quantiser: Quantiser) throws(DatasetError) -> [Sample] {
        let length = inputs.elementCount / inputs.shape[0]
        var samples: [Sample] = []
        samples.reserveCapacity(order.count)
        var range = FloatRangeCheck(spec)
        for (index, (label, row)) in order.enumerated() {
            var input = try self.input(row: row, length: length, quantiser: quantiser, range: &range)
            if channelsFirst { input = NumpyDataset.channelsLast(input, spec) }
            samples.append(Sample(index: index, source: "\(inputs.path)[\(row)]", label: label, input: input))
        }
        if let finding = range.finding() { throw DatasetError(inputs.path, .npyFloatRange(finding)) }
        return samples
    }

    /// C×H×W → H×W×C.
    static func channelsLast(_ row: [Int8], _ spec: ModelInputSpec) -> [Int8] {
        let c = spec.channels, plane = spec.height * spec.width
        guard c > 1 else { return row }
        var out = [Int8](repeating: 0, count: row.count)
        for p in 0..<plane {
            for k in 0..<c { out[p * c + k] = row[k * plane + p] }
        }
        return out
    }

    private func input(row: Int, length: Int, quantiser: Quantiser, range: inout FloatRangeCheck) throws(DatasetError) -> [Int8] {
        let start = inputs.dataStart + row * length * inputs.dtype.count
        let dtype = inputs.dtype
        let channels = channelsFirst ? 1 : quantiser.channels
        let plane = channelsFirst ? length / max(1, quantiser.channels) : 1
        var nonFinite: Float?
        let input = inputs.file.withUnsafeBytes { raw in
            [Int8](unsafeUninitializedCapacity: length) { out, initialized in
                switch dtype.kind {
                case .unsigned:
                    // Per-channel tables: channel of element i is i % C (NHWC) or i / (H·W) (NCHW).
                    quantiser.pixelTable.withUnsafeBufferPointer { table in
                        for i in 0..<length {
                            let c = channelsFirst ? i / plane : i % channels
                            out[i] = table[c * 256 + Int(raw[start + i])]
                        }
                    }
                case .signed:
                    UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress! + start, byteCount: length)
                default:
                    for i in 0..<length {
                        let stored = raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)
                        let x = Float(bitPattern: dtype.bigEndian ? UInt32(bigEndian: stored) : UInt32(littleEndian: stored))
                        if !x.isFinite && nonFinite == nil { nonFinite = x }
                        range.add(x)
                        out[i] = x.isNaN ? 0 : quantiser.quantise(x)
                    }
                }
                initialized = length
            }
        }
        if let nonFinite { throw DatasetError(inputs.path, .npyNonFinite(sample: row, value: nonFinite)) }
        return input
    }
}

/// float32 inputs against the real values the model takes (`ModelInputSpec.realSpan`): more than
/// 1 % of the values beyond a quarter of that span outside it means the array was prepared for
/// another model (0..255 for a unit model saturates almost every value, silently). A few outliers
/// of a real set pass. Counted over the samples used, the same rule as the exporter's.
struct FloatRangeCheck {
    let low: Float, high: Float, what: String
    private var count = 0, outside = 0
    private var seenLow = Float.infinity, seenHigh = -Float.infinity

    init(_ spec: ModelInputSpec) {
        (low, high) = spec.realSpan
        if let range = spec.pixelRange, !spec.pixelRangeIsAssumed {
            what = "pixel range \(range.name), \(range.formula)"
        } else {
            what = "what its int8 input holds"
        }
    }

    mutating func add(_ x: Float) {
        guard x.isFinite else { return }
        count += 1
        seenLow = min(seenLow, x)
        seenHigh = max(seenHigh, x)
        let margin = (high - low) / 4
        if x < low - margin || x > high + margin { outside += 1 }
    }

    func finding() -> DatasetError.FloatRangeFinding? {
        guard count > 0, Double(outside) > Double(count) * 0.01 else { return nil }
        return .init(low: seenLow, high: seenHigh, expectedLow: low, expectedHigh: high, what: what,
                     percentOutside: 100 * Double(outside) / Double(count))
    }
}
