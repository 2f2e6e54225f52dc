/// The NumPy layout: an inputs array and a labels array of the same length.
///
/// Inputs, N×H×W×C (or N×H×W when the model has one channel), already at the model's size (no
/// resizing: arrays are usually exported from the training pipeline itself):
/// - uint8: pixels, quantised exactly as decoded images are (through `ModelInputSpec.pixelRange`);
/// - int8: already quantised, used as they are;
/// - float32: the real values x, quantised with the spec's scale and zero point.
/// Labels, shape (N,): integers of any width, as indices into the model's labels; or strings
/// ('<U', or bytes '|S' as UTF-8) matched by name like folder names.
struct NumpyDataset {
    static let inputNames = ["x.npy", "inputs.npy", "images.npy"]
    static let labelNames = ["y.npy", "labels.npy"]

    let inputs: NpyArray
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
        let expected = [spec.height, spec.width, spec.channels]
        let shapeFits = inputs.shape.count >= 1
            && (Array(inputs.shape.dropFirst()) == expected || spec.channels == 1 && Array(inputs.shape.dropFirst()) == [spec.height, spec.width])
        guard shapeFits else { throw DatasetError(inputsPath, .npyInputShape(found: inputs.shape, expected: expected)) }

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

    /// Rows in `order` (label, row index) -> samples.
    func samples(_ order: [(label: Int, item: Int)], quantiser: Quantiser) throws(DatasetError) -> [Sample] {
        let length = inputs.elementCount / inputs.shape[0]
        var samples: [Sample] = []
        samples.reserveCapacity(order.count)
        for (index, (label, row)) in order.enumerated() {
            let input = try self.input(row: row, length: length, quantiser: quantiser)
            samples.append(Sample(index: index, source: "\(inputs.path)[\(row)]", label: label, input: input))
        }
        return samples
    }

    private func input(row: Int, length: Int, quantiser: Quantiser) throws(DatasetError) -> [Int8] {
        let start = inputs.dataStart + row * length * inputs.dtype.count
        let dtype = inputs.dtype
        var nonFinite: Float?
        let input = inputs.file.withUnsafeBytes { raw in
            [Int8](unsafeUninitializedCapacity: length) { out, initialized in
                switch dtype.kind {
                case .unsigned:
                    quantiser.pixelTable.withUnsafeBufferPointer { table in
                        for i in 0..<length { out[i] = table[Int(raw[start + i])] }
                    }
                case .signed:
                    UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress! + start, byteCount: length)
                default:
                    for i in 0..<length {
                        let stored = raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)
                        let x = Float(bitPattern: dtype.bigEndian ? UInt32(bigEndian: stored) : UInt32(littleEndian: stored))
                        if !x.isFinite && nonFinite == nil { nonFinite = x }
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
