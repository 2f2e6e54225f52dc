/// How a dataset is laid out on disk; see docs/datasets.md.
public enum DatasetLayout: String, Sendable, Equatable, CustomStringConvertible {
    /// One subfolder per class (torchvision's ImageFolder; Kaggle ASL's asl_alphabet_train).
    case imageFolder
    /// Images named <class>_test.<ext> in one folder (Kaggle ASL's asl_alphabet_test).
    case flatTest
    /// x.npy (inputs) and y.npy (labels).
    case numpy

    public var description: String {
        switch self {
        case .imageFolder: "image folder"
        case .flatTest: "flat test folder"
        case .numpy: "NumPy arrays"
        }
    }
}

/// One input, ready to send.
public struct Sample: Sendable {
    /// Position in `Dataset.samples` (the interleaved order; see `Dataset.load`).
    public let index: Int
    /// The image file, or "path/x.npy[17]" for row 17 of an array.
    public let source: String
    /// Class index in the model's labels.
    public let label: Int
    /// H×W×C quantised values, NHWC order, exactly what the model's input tensor takes.
    public let input: [Int8]

    public init(index: Int, source: String, label: Int, input: [Int8]) {
        self.index = index
        self.source = source
        self.label = label
        self.input = input
    }
}

/// A test set, fully loaded and checked, in the model's input format.
public struct Dataset: Sendable {
    public let path: String
    public let layout: DatasetLayout
    public let samples: [Sample]
    /// Samples per model class (indexed like the model's labels), of `samples`.
    public let classCounts: [Int]
    /// How many samples the dataset holds; more than `samples.count` when a limit cut it.
    public let availableCount: Int
    /// Files that are not images (README, .DS_Store, hidden folders), skipped; paths as found.
    public let skippedFiles: [String]

    public init(path: String, layout: DatasetLayout, samples: [Sample], classCount: Int,
                availableCount: Int? = nil, skippedFiles: [String] = []) {
        self.path = path
        self.layout = layout
        self.samples = samples
        var counts = [Int](repeating: 0, count: classCount)
        for sample in samples where counts.indices.contains(sample.label) { counts[sample.label] += 1 }
        self.classCounts = counts
        self.availableCount = availableCount ?? samples.count
        self.skippedFiles = skippedFiles
    }

    /// Loads and checks everything before anything is sent; throws DatasetError naming the file.
    ///
    /// The layout comes from what `path` holds (docs/datasets.md). Classes are matched to
    /// `spec.labels` by name (`ClassResolver`), through `labelMap` first when one is given.
    ///
    /// Order: samples are grouped by model class (class index order), each class in its own
    /// order (image files in natural order of their path, array rows in file order), and dealt
    /// round-robin: the first sample of class 0, of class 1, …, then the second of each, and so
    /// on, skipping classes that have run out. `limit` keeps the first N of that order, so
    /// `--limit 58` on ASL's 29 classes takes two images of each class. Every file name and
    /// class is checked; with a limit only the chosen samples' pixels are decoded.
    public static func load(path: String, spec: ModelInputSpec, labelMap: LabelMap? = nil,
                            limit: Int? = nil) throws(DatasetError) -> Dataset {
        if let problem = spec.problem() { throw DatasetError(path, .badSpec(problem)) }
        if let limit, limit < 1 { throw DatasetError(path, .badLimit(limit)) }
        let resolver = ClassResolver(labels: spec.labels, map: labelMap)
        let quantiser = Quantiser(spec)

        let found: DatasetScan
        switch DatasetFiles.kind(of: path) {
        case .missing:
            throw DatasetError(path, .notFound)
        case .file:
            guard path.lowercased().hasSuffix(".npy") else { throw DatasetError(path, .notADataset) }
            found = .numpy(inputs: path)
        case .directory:
            found = try DatasetScan.scan(path, resolver: resolver)
        }

        switch found {
        case .numpy(let inputs):
            let arrays = try NumpyDataset(inputsPath: inputs, spec: spec, resolver: resolver)
            let order = interleave(arrays.labels.enumerated().map { ($0.element, $0.offset) },
                                   classCount: spec.labels.count, limit: limit)
            let samples = try arrays.samples(order, spec: spec, quantiser: quantiser)
            return Dataset(path: path, layout: .numpy, samples: samples, classCount: spec.labels.count,
                           availableCount: arrays.labels.count)
        case .images(let layout, let files, let skipped):
            if spec.pixelRange == nil, let first = files.first { throw DatasetError(first.path, .noPixelRange(what: "an image")) }
            let order = interleave(files.map { ($0.label, $0.path) }, classCount: spec.labels.count, limit: limit)
            let samples = try ImageSamples.load(order, spec: spec, quantiser: quantiser)
            return Dataset(path: path, layout: layout, samples: samples, classCount: spec.labels.count,
                           availableCount: files.count, skippedFiles: skipped)
        }
    }

    /// Round-robin over classes in class index order, each class keeping its order (see `load`).
    static func interleave<Item>(_ items: [(label: Int, item: Item)], classCount: Int,
                                 limit: Int?) -> [(label: Int, item: Item)] {
        var byClass = [[Item]](repeating: [], count: classCount)
        for (label, item) in items { byClass[label].append(item) }
        let total = min(items.count, limit ?? items.count)
        var order: [(label: Int, item: Item)] = []
        order.reserveCapacity(total)
        var round = 0
        while order.count < total {
            for label in 0..<classCount where round < byClass[label].count && order.count < total {
                order.append((label, byClass[label][round]))
            }
            round += 1
        }
        return order
    }
}
