import Foundation

/// Everything a run found out, as the terminal table shows it and as JSON (schema_version 1).
public struct EvaluationReport: Codable, Sendable {
    /// 2: `profile` (per-layer cycles and measured memory). Readers of 1 ignore it.
    public static let schemaVersion = 2

    public struct Board: Codable, Sendable {
        public let name: String
        public let kind: String                  // "mock", "usb"
        public let harnessBuild: String
        public let coreClockHz: Int
        /// "DWT cycle counter (measured)", "SysTick under QEMU (emulated)", "cost model (estimated)".
        public let timer: String
        public let timerKind: String             // "measured", "emulated", "estimated"
        public let baud: Int
        /// What executed the harness when it was not the chip (BoardCore.label); nil on silicon.
        public var core: String? = nil
        /// "mock: emulated STM32F746 core running the flashed firmware", or the kind alone.
        public var kindLabel: String { core.map { "\(kind): \($0)" } ?? kind }
    }
    public struct Accuracy: Codable, Sendable {
        public let correct: Int, total: Int, top1: Double
        public let top5: Double?
    }
    public struct ClassMetrics: Codable, Sendable {
        public let label: String, support: Int, predicted: Int
        public let precision: Double?, recall: Double?
    }
    public struct Latency: Codable, Sendable {
        public let timer: String, timerKind: String
        public let cycles: Distribution, microseconds: Distribution
    }
    public struct Throughput: Codable, Sendable {
        public let seconds: Double, samplesPerSecond: Double
        public let inputBytes: Int, wireBytes: Int
        public let wireBytesPerInputByte: Double
        /// Bytes sent to the board over what the line can carry in that time (10 bits a byte).
        public let lineUtilisation: Double
    }
    public struct Mismatch: Codable, Sendable {
        public let index: Int, source: String, device: String, host: String
    }
    public struct Agreement: Codable, Sendable {
        public let agree: Int, total: Int, rate: Double
        public let mismatches: [Mismatch]
    }
    public struct Footprint: Codable, Sendable {
        public let modelBytes: Int, modelRegionBytes: Int
        public let arenaBytes: Int, harnessArenaBytes: Int
        public let boardFlashBytes: Int, boardRAMBytes: Int
        /// Whether the model fits its region and its arena the harness's: what `hilctl pack` checks.
        public var modelFits: Bool { modelBytes <= modelRegionBytes }
        public var arenaFits: Bool { arenaBytes <= harnessArenaBytes }
        /// Spelled so a snake_case decoder reads back "board_ram_bytes" ("boardRamBytes").
        enum CodingKeys: String, CodingKey {
            case modelBytes, modelRegionBytes, arenaBytes, harnessArenaBytes, boardFlashBytes, boardRAMBytes = "boardRamBytes"
        }
    }
    public struct Link: Codable, Sendable {
        public let resends: Int, crcErrors: Int, reboots: Int, droppedResults: Int
    }

    public var schemaVersion = EvaluationReport.schemaVersion
    public let model: ModelSummary
    public let board: Board
    public let dataset: String
    public let accuracy: Accuracy
    public let classes: [ClassMetrics]
    /// confusion[true][predicted], in the model's label order.
    public let confusion: [[Int]]
    public let latency: Latency?
    public let throughput: Throughput
    public let agreement: Agreement
    public let footprint: Footprint
    public let link: Link
    public let samples: [SampleRecord]
    /// Warm-up inferences discarded before measuring, and passes over the test set (latency pools
    /// every pass; accuracy and agreement are the first pass's). Absent in reports of older builds.
    public let warmup: Int?
    public let repeats: Int?
    /// How the test set's pixels became inputs and whether the model or the user said so.
    /// Absent in reports of older builds.
    public let input: InputMapping?
    /// Where the time and memory of an inference go, layer by layer; absent when no input was
    /// profiled (and in reports of older builds).
    public let profile: ProfileReport?

    public init(model: ModelSummary, board: Board, dataset: String, records: [SampleRecord],
                throughput: Throughput, footprint: Footprint, link: Link,
                repeatCycles: [UInt64] = [], warmup: Int = 0, repeats: Int = 1, input: InputMapping? = nil,
                profile: ProfileReport? = nil) {
        self.input = input
        self.profile = profile
        self.warmup = warmup
        self.repeats = repeats
        self.model = model
        self.board = board
        self.dataset = dataset
        self.throughput = throughput
        self.footprint = footprint
        self.link = link
        samples = records
        let n = model.labels.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for r in records where r.label < n && r.predicted < n { confusion[r.label][r.predicted] += 1 }
        self.confusion = confusion
        let correct = records.filter { $0.label == $0.predicted }.count
        let top5 = records.compactMap(\.inTop5)
        accuracy = Accuracy(correct: correct, total: records.count,
                            top1: records.isEmpty ? 0 : Double(correct) / Double(records.count),
                            top5: top5.count == records.count && !records.isEmpty
                                ? Double(top5.filter { $0 }.count) / Double(records.count) : nil)
        classes = (0..<n).map { c in
            let tp = confusion[c][c]
            let support = confusion[c].reduce(0, +)
            let predicted = confusion.reduce(0) { $0 + $1[c] }
            return ClassMetrics(label: model.labels[c], support: support, predicted: predicted,
                                precision: predicted > 0 ? Double(tp) / Double(predicted) : nil,
                                recall: support > 0 ? Double(tp) / Double(support) : nil)
        }
        let cycles = records.map { Double($0.cycles) } + repeatCycles.map(Double.init)
        if let d = Distribution(cycles) {
            latency = Latency(timer: board.timer, timerKind: board.timerKind, cycles: d,
                              microseconds: d.scaled(by: 1e6 / Double(board.coreClockHz)))
        } else {
            latency = nil
        }
        let disagreements = records.filter { $0.predicted != $0.reference }
        func name(_ i: Int) -> String { i < n ? model.labels[i] : "#\(i)" }
        agreement = Agreement(agree: records.count - disagreements.count, total: records.count,
                              rate: records.isEmpty ? 1 : Double(records.count - disagreements.count) / Double(records.count),
                              mismatches: disagreements.map { Mismatch(index: $0.index, source: $0.source, device: name($0.predicted), host: name($0.reference)) })
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension EvaluationReport.Footprint {
    /// The model against the board's budgets, as every kind of run reports it (here in an
    /// extension, so the memberwise initialiser stays).
    public init(model: ModelFile, board: HarnessTarget) {
        self.init(modelBytes: model.blob.count, modelRegionBytes: board.firmware.modelRegion.size,
                  arenaBytes: model.summary.arenaBytes, harnessArenaBytes: board.harness.arenaBytes,
                  boardFlashBytes: board.flashBytes, boardRAMBytes: board.ramBytes)
    }
}
