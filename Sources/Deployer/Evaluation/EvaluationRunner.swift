import Foundation
import STLink

/// What `hilctl run` asks for, as a value.
public struct RunRequest: Sendable {
    public var modelPath: String
    public var datasetPath: String
    public var labelMapPath: String?
    public var limit: Int?
    /// Switch the line to this rate after HELLO; nil stays at the board's boot rate.
    public var baud: Int?
    public var board = "stm32f746g-disco"
    /// `--pixels`: nil takes the range the model records (InputMapping.resolve).
    public var pixelRange: PixelRange?
    /// Inferences run first and discarded (caches, first-call effects), cycling through the samples.
    public var warmup = 0
    /// Passes over the test set: accuracy is the first pass's, latency pools every pass.
    public var repeats = 1
    /// Inputs (the first of the test set's order) whose inference is profiled layer by layer.
    public var profile = RunRequest.defaultProfile
    public static let defaultProfile = 5
    public var flash: FlashRequest

    public init(modelPath: String, datasetPath: String) {
        self.modelPath = modelPath
        self.datasetPath = datasetPath
        flash = FlashRequest(imagePath: modelPath)
        flash.board = board
    }
}

/// Everything checked before the board is touched: the model loads, the dataset matches it, the
/// packed image fits the board.
public struct PreparedRun: Sendable {
    public let request: RunRequest
    public let target: HarnessTarget
    public let model: ModelFile
    public let dataset: Dataset
    public let input: InputMapping
    public let image: FirmwareImage
    /// The harness image the model was packed into (nil: the mock board's stub).
    public var harnessPath: String? = nil
}

/// Progress of a run, for a live line: rate, running accuracy, time left.
public struct RunProgress: Sendable {
    public let done: Int, total: Int, correct: Int
    public let elapsed: Duration
    public var samplesPerSecond: Double { elapsed > .zero ? Double(done) / elapsed.seconds : 0 }
    public var accuracy: Double { done > 0 ? Double(correct) / Double(done) : 0 }
    public var remaining: Duration? {
        samplesPerSecond > 0 ? .seconds(Double(total - done) / samplesPerSecond) : nil
    }
}

/// The evaluation sequence: prepare (no hardware) → flash harness + model → HELLO → check the model
/// → baud → stream every sample, pipelined → report with the host's reference for each sample.
public struct EvaluationRunner {
    public let catalog: BoardCatalog
    public init(catalog: BoardCatalog) { self.catalog = catalog }

    /// Prepares a run on the STM32 board `request.board` names.
    public func prepare(_ request: RunRequest, harness: FirmwareImage? = nil) throws(RunError) -> PreparedRun {
        let board: BoardDefinition
        do { board = try catalog.board(named: request.board) } catch { throw .deploy(error) }
        return try prepare(request, target: board.harnessTarget, harness: harness)
    }

    /// Prepares a run on any harness target (a board or a QEMU machine). Without a harness image,
    /// the mock board's stub (the mock runs the harness built for the host).
    public func prepare(_ request: RunRequest, target: HarnessTarget, harness: FirmwareImage? = nil) throws(RunError) -> PreparedRun {
        let (model, dataset, input) = try load(request)
        let image: FirmwareImage
        do {
            image = try FirmwarePacker.pack(model: model, harness: harness ?? FirmwarePacker.mockHarness(target: target), target: target)
        } catch { throw .pack(error) }
        return PreparedRun(request: request, target: target, model: model, dataset: dataset, input: input, image: image,
                           harnessPath: harness?.path)
    }

    /// The model and the test set, read and matched to each other (no board involved), and how
    /// the set's pixels became the model's inputs.
    public func load(_ request: RunRequest) throws(RunError) -> (model: ModelFile, dataset: Dataset, input: InputMapping) {
        let model: ModelFile
        do { model = try ModelFile.load(path: request.modelPath) } catch { throw .model(error) }
        let s = model.summary
        let (range, input) = try InputMapping.resolve(contract: s.inputContract, option: request.pixelRange, modelPath: request.modelPath)
        var spec = ModelInputSpec(height: s.inputShape[0], width: s.inputShape[1], channels: s.inputShape[2],
                                  scale: s.inputScale, zeroPoint: s.inputZeroPoint, labels: s.labels, pixelRange: range,
                                  channelOrder: s.inputContract?.channelOrder ?? .notRecorded,
                                  sourceLayout: s.inputContract?.sourceLayout ?? .notRecorded)
        // A guessed range must not refuse float arrays prepared for another one: judge them by
        // what the int8 input can hold instead.
        spec.pixelRangeIsAssumed = input.source == .assumed
        do {
            let map = try request.labelMapPath.map { path throws(DatasetError) in try LabelMap.load(path: path) }
            return (model, try Dataset.load(path: request.datasetPath, spec: spec, labelMap: map, limit: request.limit), input)
        } catch { throw .dataset(error) }
    }

    /// The deployment step for a board behind a probe (real or mock): flash what changed, reset, run.
    public func flashing(through transport: any USBTransport, _ request: FlashRequest,
                         progress: @escaping (FlashProgress) -> Void = { _ in },
                         note: @escaping (String) -> Void = { _ in }) -> (FirmwareImage) throws(RunError) -> Void {
        let catalog = self.catalog
        return { image throws(RunError) in
            do throws(DeployError) {
                _ = try FlashDeployment(catalog: catalog).run(image: image, request, transport: transport, progress: progress, note: note)
            } catch { throw RunError.deploy(error) }
        }
    }

    /// What the core is doing, read over the probe once the harness stopped answering: nil when
    /// it cannot be read (no probe, a probe that fails).
    public func diagnosing(through transport: any USBTransport) -> () -> CoreFaultState? {
        {
            let probe = STLinkProbe(transport: transport)
            defer { probe.close() }
            do {
                try probe.open()
                return try CortexM(probe: probe).faultState()
            } catch { return nil }
        }
    }

    /// Runs a prepared evaluation. `openSerial` opens the board's port at the rate given (called
    /// after flashing, once the board has been reset). `core` names what executes the harness;
    /// `diagnose` reads the core's fault state when the harness goes silent (boards with a probe).
    public func run(_ prepared: PreparedRun, boardKind: String, core: BoardCore = .silicon,
                    deploy: (FirmwareImage) throws(RunError) -> Void,
                    openSerial: (Int) throws -> any SerialConnection,
                    diagnose: (() -> CoreFaultState?)? = nil,
                    options: HarnessOptions = HarnessOptions(),
                    progress: (RunProgress) -> Void = { _ in },
                    note: (String) -> Void = { _ in },
                    shouldStop: () -> Bool = { false }) throws(RunError) -> EvaluationReport {
        let board = prepared.target
        // A harness that stops answering may have crashed: ask the core before blaming the line.
        func silent(_ error: any Error, during phase: String) -> RunError {
            guard let state = diagnose?() else { return .harness(error) }
            return state.isFault ? .coreFaulted(state, during: phase, after: "\(error)") : .harnessSilent(state, after: "\(error)")
        }
        if shouldStop() { throw .cancelled }
        try deploy(prepared.image)
        if shouldStop() { throw .cancelled }

        let port: any SerialConnection
        do { port = try openSerial(board.harness.bootBaud) } catch let e as SerialError { throw .serial(e) } catch {
            throw .serial(.io(path: "?", reason: "\(error)"))
        }
        defer { port.close() }
        let session = HarnessSession(link: port, options: options)
        let hello: HelloInfo
        do { hello = try session.waitForHello() } catch { throw silent(error, during: "boot, before its HELLO") }
        note("harness \(hello.buildID) on \(hello.board): model \(hello.modelName) (\(hello.modelState)), \(hello.timer), \(hello.currentBaud) baud")
        guard hello.modelState == .ready else { throw .modelNotReady(state: "\(hello.modelState)", board: hello.board) }
        guard hello.modelHashHex == prepared.model.summary.sha256 else {
            throw .wrongModel(expected: prepared.model.summary.sha256, found: hello.modelHashHex, name: hello.modelName)
        }
        var baud = Int(hello.currentBaud)
        if let wanted = prepared.request.baud, wanted != baud {
            do {
                try session.switchBaud(to: UInt32(wanted)) { rate in try port.setBaud(Int(rate)) }
            } catch { throw silent(error, during: "the switch to \(wanted) baud") }
            baud = wanted
            note("line switched to \(wanted) baud")
        }

        // Stream, with the host's reference prediction for each sample as its result arrives.
        // Wire ids: warm-up inferences are negative, pass p of sample i is p * stride + i.
        let reference = ReferenceRuntime(prepared.model)
        let samples = prepared.dataset.samples
        let byIndex = Dictionary(uniqueKeysWithValues: samples.map { ($0.index, $0) })
        let stride = (samples.map(\.index).max() ?? 0) + 1
        let repeats = max(1, prepared.request.repeats)
        let warmup = samples.isEmpty ? 0 : max(0, prepared.request.warmup)
        // Built lazily: a large set repeated several times never sits in memory twice.
        let stream = sequence(state: 0) { (n: inout Int) -> (id: Int, input: [UInt8])? in
            defer { n += 1 }
            if n < warmup { return (id: -1 - n, input: samples[n % samples.count].input.map { UInt8(bitPattern: $0) }) }
            let k = n - warmup
            guard !samples.isEmpty, k < samples.count * repeats else { return nil }
            let sample = samples[k % samples.count]
            return (id: (k / samples.count) * stride + sample.index, input: sample.input.map { UInt8(bitPattern: $0) })
        }
        var records: [SampleRecord] = []
        records.reserveCapacity(samples.count)
        var repeatCycles: [UInt64] = []
        var profiled: [(cycles: UInt64, profile: LayerProfile)] = []
        var correct = 0
        let start = ContinuousClock.now
        // The first inputs of the set's order (pass 0, ids 0 ..< n) are the profiled ones.
        let profileIDs = Set(samples.prefix(max(0, prepared.request.profile)).map(\.index))
        do {
            try session.run(samples: stream, profile: { profileIDs.contains($0) }) { result throws in
                if shouldStop() { throw RunError.cancelled }
                // No inference takes 0 cycles: a counter that reads 0 is not counting (on a
                // Cortex-M7, a DWT left locked by DWT_LAR, or TRCENA/CYCCNTENA never set).
                if hello.timer == .dwtCycleCounter && result.cycles == 0 { throw RunError.timerNotCounting(board: hello.board) }
                guard result.id >= 0 else { return }
                guard result.id < stride else { repeatCycles.append(result.cycles); return }
                guard let sample = byIndex[result.id] else { return }
                if let p = result.profile { profiled.append((result.cycles, p)) }
                let host = reference.predict(sample.input)
                records.append(SampleRecord(index: sample.index, source: sample.source, label: sample.label,
                                            predicted: result.predictedClass, reference: host.predicted,
                                            cycles: result.cycles, scores: result.scores))
                if result.predictedClass == sample.label { correct += 1 }
                progress(RunProgress(done: records.count, total: samples.count, correct: correct,
                                     elapsed: ContinuousClock.now - start))
            }
        } catch let error as RunError { throw error } catch { throw silent(error, during: "streaming") }
        let seconds = (ContinuousClock.now - start).seconds
        records.sort { $0.index < $1.index }

        let stats = session.statistics
        let inputBytes = (samples.count * repeats + warmup) * prepared.model.summary.inputBytes
        let core = core.resolved(by: hello.timer)
        let timer = core.timer(hello.timer)
        let profile = try ProfileReport.build(
            model: prepared.model, profiled: profiled, requested: min(profileIDs.count, samples.count), timer: timer,
            coreClockHz: Int(hello.coreClockHz), arenaAvailableBytes: board.harness.arenaBytes,
            note: hello.protocolVersion < 2 ? "the harness speaks protocol \(hello.protocolVersion), which has no per-layer profile; flash a current harness" : nil,
            firmwareSections: prepared.harnessPath.flatMap(FirmwareSections.read(path:)))
        return EvaluationReport(
            model: prepared.model.summary,
            board: .init(name: board.name, kind: boardKind, harnessBuild: hello.buildID, coreClockHz: Int(hello.coreClockHz),
                         timer: timer.name, timerKind: timer.kind, baud: baud, core: core.label),
            dataset: "\(prepared.dataset.path) (\(prepared.dataset.layout))",
            records: records,
            throughput: .init(seconds: seconds, samplesPerSecond: seconds > 0 ? Double(records.count) / seconds : 0,
                              inputBytes: inputBytes, wireBytes: stats.bytesSent,
                              wireBytesPerInputByte: inputBytes > 0 ? Double(stats.bytesSent) / Double(inputBytes) : 0,
                              lineUtilisation: Self.lineUtilisation(bytes: stats.bytesSent, baud: baud, seconds: seconds)),
            footprint: .init(model: prepared.model, board: board),
            link: .init(resends: stats.resentChunks + stats.restarts, crcErrors: stats.crcErrors,
                        reboots: stats.reboots, droppedResults: stats.droppedResults),
            repeatCycles: repeatCycles, warmup: warmup, repeats: repeats, input: prepared.input, profile: profile)
    }
}

extension EvaluationRunner {
    /// The share of the line's rate the stream used (10 bit times per byte, 8N1), at most 1: an
    /// emulated line (QEMU's chardev) is not paced at its nominal rate and would otherwise report
    /// more than the line can carry.
    public static func lineUtilisation(bytes: Int, baud: Int, seconds: Double) -> Double {
        guard seconds > 0, baud > 0 else { return 0 }
        return min(1, Double(bytes) * 10 / (Double(baud) * seconds))
    }

    /// A note when streaming at the board's boot rate would take long (over `threshold` seconds
    /// for the input bytes alone) and the harness can switch faster: nil when a rate was chosen,
    /// when it is quick enough, or when the board cannot go faster.
    public static func slowLineHint(samples: Int, inputBytes: Int, bootBaud: Int, maxBaud: Int,
                                    chosenBaud: Int?, threshold: Double = 30) -> String? {
        guard chosenBaud == nil, bootBaud > 0, samples > 0 else { return nil }
        let bits = Double(samples) * Double(inputBytes) * 10
        let seconds = bits / Double(bootBaud)
        guard seconds > threshold,
              let faster = SerialPort.rates.last(where: { $0 <= maxBaud }), faster > bootBaud else { return nil }
        return "note: streaming \(samples) inputs of \(inputBytes) bytes at \(bootBaud) baud takes at least "
            + String(format: "%.0f s", seconds) + "; this board's harness switches up to \(maxBaud) baud: "
            + "add --baud \(faster) (about " + String(format: "%.0f s", bits / Double(faster)) + " on the line)"
    }
}

/// How each timer is named wherever a latency appears, so an estimate never passes for a measurement.
public enum TimerNames {
    public static func describe(_ timer: TimerKind) -> (name: String, kind: String) {
        switch timer {
        case .dwtCycleCounter: return ("DWT cycle counter", "measured")
        case .systickEmulated: return ("SysTick under QEMU", "emulated")
        case .estimated: return ("Cortex-M7 cost model", "estimated")
        }
    }
}

/// Why a run stopped, wrapping each layer's error; `isInfrastructure` separates the bench's
/// failures (retry elsewhere) from the user's input (never retried).
public enum RunError: Error, Sendable, CustomStringConvertible {
    case model(ModelError)
    case dataset(DatasetError)
    case pack(PackError)
    case deploy(DeployError)
    case serial(SerialError)
    case harness(any Error)
    /// The board itself failed (a QEMU that died, a probe that vanished): the bench's fault.
    case board(any Error)
    case modelNotReady(state: String, board: String)
    case wrongModel(expected: String, found: String, name: String)
    /// `--pixels` names another range than the one the model records: the user's input, refused.
    case pixelsContradictModel(model: String, recorded: PixelRange, asked: PixelRange)
    /// Stopped on request (a cancelled job): neither the bench's failure nor the model's.
    case cancelled
    /// A profiled inference's layers do not add up to the whole: the harness's (or timer's) fault.
    case profileDoesNotAddUp(layers: UInt64, whole: UInt64)
    /// The harness went silent and the probe found its core in a fault handler or locked up.
    case coreFaulted(CoreFaultState, during: String, after: String)
    /// The harness went silent while its core runs normal code (a loop it never leaves, a dead line).
    case harnessSilent(CoreFaultState, after: String)
    /// The harness says it times with the DWT cycle counter, and the counter reads 0.
    case timerNotCounting(board: String)

    public var description: String {
        switch self {
        case let .model(e): return e.description
        case let .dataset(e): return e.description
        case let .pack(e): return e.description
        case let .deploy(e): return e.description
        case let .serial(e): return e.description
        case let .harness(e): return "\(e)"
        case let .board(e): return "\(e)"
        case let .modelNotReady(state, board):
            return "the harness on \(board) reports its model as \(state) after flashing; the model region was not written as packed — flash again with --force"
        case let .pixelsContradictModel(model, recorded, asked):
            return "\(model) records its pixel range as \(recorded.name) (\(recorded.formula)), but --pixels says \(asked.name) (\(asked.formula)); drop --pixels to use the model's, or export the model again with the range it was trained on"
        case .cancelled:
            return "the run was cancelled before it finished"
        case let .profileDoesNotAddUp(layers, whole):
            let tolerance = Int(ProfileReport.tolerance * 100)
            return "the harness's per-layer profile adds up to \(layers) cycles but the same inference took \(whole) (more than \(tolerance) % or \(ProfileReport.toleranceCycles) cycles apart): the harness firmware's timer or layer marks are broken; rebuild it (make -C boards/firmware) or report it"
        case let .coreFaulted(state, phase, after):
            return "the board's firmware crashed during \(phase): \(state) (read over the probe after the harness went silent: \(after)); the harness or the model faulted on the core — look up the PC in the harness ELF (arm-none-eabi-addr2line -e harness.elf ADDRESS)"
        case let .harnessSilent(state, after):
            return "\(after); read over the probe, \(state): the firmware runs but does not answer (a loop it never leaves, or a UART it does not drive); look the PC up in the harness ELF (arm-none-eabi-addr2line -e harness.elf ADDRESS)"
        case let .timerNotCounting(board):
            return "the harness on \(board) times inferences with the DWT cycle counter, but it reads 0 cycles: the counter is not running (DEMCR.TRCENA or DWT_CTRL.CYCCNTENA not set, or on a Cortex-M7 the DWT still locked: write 0xC5ACCE55 to DWT_LAR first). These timings are refused; fix the firmware's timer set-up and flash again"
        case let .wrongModel(expected, found, name):
            return "the board runs model \(name) (sha256 \(found.prefix(16))…), not the one just flashed (\(expected.prefix(16))…); another tool may have flashed it, or the flash failed silently — flash again with --force"
        }
    }

    public var isInfrastructure: Bool {
        switch self {
        // A crash or a dead timer is the firmware under test's: another board would do the same.
        case .model, .dataset, .pack, .cancelled, .pixelsContradictModel, .coreFaulted, .timerNotCounting: return false
        case let .deploy(e): return e.isInfrastructure
        default: return true
        }
    }
}
