import Dispatch
import Foundation

/// A run with no board: every sample through the reference runtime (the board's C runtime,
/// compiled for this host) and a latency the caller estimates, as a report like a board's with
/// board kind "host". `hilctl run --host-only` supplies the Cortex-M7 cost model's estimate.
///
/// Why it exists: a model that does not fit the board (the seed's original VGG is nine times the
/// F746's flash) still needs its accuracy and its would-be latency beside the one that does, so
/// a comparison can say what pruning bought. Its predictions are the mock board's bit for bit
/// (same C runtime, same quantised inputs).
public struct HostEvaluation {
    public let catalog: BoardCatalog
    public init(catalog: BoardCatalog) { self.catalog = catalog }

    /// `cycles` gives the estimated cycles of one inference of the model (the same for every input).
    /// `layerCycles`, when given, estimates each layer: the first `request.profile` inputs then carry
    /// that profile, as a mock board's would.
    public func run(_ request: RunRequest, timer: TimerKind, cycles: (ModelFile) -> UInt64,
                    layerCycles: ((ModelFile) -> [UInt64])? = nil,
                    progress: (RunProgress) -> Void = { _ in },
                    note: (String) -> Void = { _ in }) throws(RunError) -> EvaluationReport {
        let board: HarnessTarget
        do { board = try catalog.board(named: request.board).harnessTarget } catch { throw .deploy(error) }
        let (model, dataset, input) = try EvaluationRunner(catalog: catalog).load(request)
        let s = model.summary
        note("model \(s.name): \(s.parameters) parameters, \(s.macs) MACs; dataset \(dataset.samples.count) samples; on this host")
        for problem in Self.fitProblems(model: model, board: board) { note("note: \(problem); figures are host-side only") }

        let perInference = cycles(model)
        let start = ContinuousClock.now
        let predictions = Self.predict(model, dataset.samples) { done, correct in
            progress(RunProgress(done: done, total: dataset.samples.count, correct: correct, elapsed: ContinuousClock.now - start))
        }
        let records = zip(dataset.samples, predictions).map { sample, p in
            SampleRecord(index: sample.index, source: sample.source, label: sample.label, predicted: p.predicted,
                         reference: p.predicted, cycles: perInference, scores: p.scores)
        }
        // The device-side time the estimate adds up to; no line is involved, so no wire figures.
        let seconds = Double(perInference) * Double(records.count) / Double(board.coreClockHz)
        let inputBytes = records.count * s.inputBytes
        let named = TimerNames.describe(timer)
        let requested = layerCycles == nil ? 0 : min(max(0, request.profile), records.count)
        let perLayer = requested > 0 ? layerCycles?(model) ?? [] : []
        let profiled = (0..<requested).map { _ in
            (cycles: perInference, profile: LayerProfile(layerCycles: perLayer, layerCount: s.layers,
                                                         arenaPeakBytes: nil, stackPeakBytes: nil))
        }
        let profile = try ProfileReport.build(model: model, profiled: profiled, requested: requested, timer: named,
                                              coreClockHz: board.coreClockHz, arenaAvailableBytes: board.harness.arenaBytes)
        return EvaluationReport(
            model: s,
            board: .init(name: board.name, kind: "host", harnessBuild: "none (C runtime on this host)",
                         coreClockHz: board.coreClockHz, timer: named.name, timerKind: named.kind, baud: 0),
            dataset: "\(dataset.path) (\(dataset.layout))",
            records: records,
            throughput: .init(seconds: seconds, samplesPerSecond: seconds > 0 ? Double(records.count) / seconds : 0,
                              inputBytes: inputBytes, wireBytes: 0, wireBytesPerInputByte: 0, lineUtilisation: 0),
            footprint: .init(model: model, board: board),
            link: .init(resends: 0, crcErrors: 0, reboots: 0, droppedResults: 0), input: input, profile: profile)
    }

    /// What keeps the model off the board, in the words `hilctl pack` would refuse it with.
    public static func fitProblems(model: ModelFile, board: HarnessTarget) -> [String] {
        let f = EvaluationReport.Footprint(model: model, board: board)
        var out: [String] = []
        if !f.modelFits {
            out.append("\(model.summary.name) is \(f.modelBytes) bytes, more than the \(f.modelRegionBytes)-byte model region of \(board.name) (\(f.boardFlashBytes / 1024) KB flash)")
        }
        if !f.arenaFits {
            out.append("its arena needs \(f.arenaBytes) bytes, more than the harness's \(f.harnessArenaBytes) on \(board.name) (\(f.boardRAMBytes / 1024) KB RAM)")
        }
        return out
    }

    /// Every sample through the reference runtime, on every core (one runtime and arena per
    /// worker); results in sample order whatever the scheduling.
    public static func predict(_ model: ModelFile, _ samples: [Sample],
                        progress: (Int, Int) -> Void) -> [(predicted: Int, scores: [Int8])] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, samples.count))
        let results = ResultSlots(count: samples.count)
        let chunk = 16
        var next = 0, correct = 0
        while next < samples.count {
            let range = next..<min(samples.count, next + chunk * workers)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let runtime = ReferenceRuntime(model)
                for i in stride(from: range.lowerBound + w, to: range.upperBound, by: workers) {
                    results.set(i, runtime.predict(samples[i].input))
                }
            }
            let values = results.values
            correct += range.filter { values[$0]?.predicted == samples[$0].label }.count
            next = range.upperBound
            progress(next, correct)
        }
        return results.values.map { $0! }
    }
}

/// One slot per sample, each written by exactly one worker: the lock only guards the array's storage.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [(predicted: Int, scores: [Int8])?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: (predicted: Int, scores: [Int8])) { lock.withLock { slots[i] = value } }
    var values: [(predicted: Int, scores: [Int8])?] { lock.withLock { slots } }
}
