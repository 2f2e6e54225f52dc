// fault-matrix: each fault a real bench meets, built into one mock board, each cell a job.
//
//   swift run fault-matrix [--cells NAME,…] [--samples N] [--list]
//
// For every cell it starts a bench (hild's Bench, in this process) on two host-harness mock
// boards in a fresh state directory, builds the cell's fault into board 1, submits the example
// model and its holdout set (the first attempt lands on board 1: both are idle and the scheduler
// breaks ties by id), and waits for the job to end. It then compares what happened with what the
// cell expects: the terminal state, the class of the first failure (infrastructure or test),
// whether the job was retried on the other board, whether board 1 ended quarantined, and that no
// prediction is mis-attributed (every stored result's input index appears once and its prediction
// equals the host reference for that input). Prints the matrix; exits 1 if any cell differs.
import Bench
import Deployer
import Foundation
import HilAPI
import HildStore
import Logging
import MockBoard

struct Expectation: Equatable {
    var state: JobState
    /// The class of the first attempt's failure; nil when the first attempt passed.
    var firstFailure: String?
    var retriedElsewhere: Bool
    var quarantined: Bool
}

struct Cell {
    let name: String
    let fault: String
    let faults: MockBoardFaults
    let expected: Expectation
    var quarantineAfter = 3
    var maxAttempts = 3
    var thresholds = Thresholds()
}

func probe(_ plan: FaultPlan) -> MockBoardFaults { MockBoardFaults(probe: plan) }
func line(_ configure: (inout SerialFaultPlan) -> Void) -> MockBoardFaults {
    var plan = SerialFaultPlan()
    configure(&plan)
    return MockBoardFaults(serial: plan)
}

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let modelURL = root.appendingPathComponent("examples/shapes/shapes.hilm")
let datasetFolder = root.appendingPathComponent("examples/shapes/holdout").path
let model = try ModelFile.load(path: modelURL.path)
let inputBytes = model.summary.inputShape.reduce(1, *)
/// Another valid model for the "answers another model" cell: the shapes model with one letter of
/// its name changed and its CRC redone. It loads and predicts exactly alike, so only the model's
/// identity in HELLO (name and SHA-256) can tell the bench it is not what was flashed.
let otherModel: [UInt8] = {
    var blob = model.blob
    let nameOffset = Int(blob[60]) | Int(blob[61]) << 8 | Int(blob[62]) << 16 | Int(blob[63]) << 24
    blob[nameOffset] ^= 0x20                     // "shapes" → "Shapes"
    return ModelFile.resealed(blob)
}()

let infraRetried = Expectation(state: .passed, firstFailure: "infrastructure", retriedElsewhere: true, quarantined: false)
let cleanPass = Expectation(state: .passed, firstFailure: nil, retriedElsewhere: false, quarantined: false)

let cells: [Cell] = [
    Cell(name: "unplug-erase", fault: "probe pulled while a sector erases", faults: probe(FaultPlan(unplugDuring: .erase)), expected: infraRetried),
    Cell(name: "unplug-program", fault: "probe pulled mid-programming", faults: probe(FaultPlan(unplugDuring: .program)), expected: infraRetried),
    Cell(name: "unplug-verify", fault: "probe pulled during verify", faults: probe(FaultPlan(unplugDuring: .verify)), expected: infraRetried),
    Cell(name: "unplug-hello", fault: "board pulled as the host says hello", faults: line { $0.pullAfterBytes = 1 }, expected: infraRetried),
    Cell(name: "unplug-streaming", fault: "board pulled after 3 inputs", faults: line { $0.pullAfterBytes = 3 * inputBytes + 64 }, expected: infraRetried),
    Cell(name: "bit-errors-1e-4", fault: "1 byte in 10^4 has a bit flipped", faults: line { $0.bitFlipRate = 1e-4 }, expected: cleanPass),
    Cell(name: "bit-errors-1e-3", fault: "1 byte in 10^3 has a bit flipped", faults: line { $0.bitFlipRate = 1e-3 }, expected: cleanPass),
    Cell(name: "dropped-bytes-1e-4", fault: "1 byte in 10^4 lost", faults: line { $0.dropRate = 1e-4 }, expected: cleanPass),
    Cell(name: "dropped-bytes-1e-3", fault: "1 byte in 10^3 lost", faults: line { $0.dropRate = 1e-3 }, expected: cleanPass),
    Cell(name: "duplicated-bytes-1e-4", fault: "1 byte in 10^4 arrives twice", faults: line { $0.duplicateRate = 1e-4 }, expected: cleanPass),
    Cell(name: "duplicated-bytes-1e-3", fault: "1 byte in 10^3 arrives twice", faults: line { $0.duplicateRate = 1e-3 }, expected: cleanPass),
    Cell(name: "firmware-stalls", fault: "firmware stops answering after 2 inputs", faults: line { $0.stallAfterBytes = 2 * inputBytes; $0.stallDuration = .seconds(3600) }, expected: infraRetried),
    // The session tells a reboot from an answer (HELLO with reason boot, a new boot id) and sends
    // again what was in flight: the job completes on the same board.
    Cell(name: "reboot-mid-stream", fault: "board reboots after 3 inputs", faults: line { $0.rebootAfterBytes = 3 * inputBytes + 64 }, expected: cleanPass),
    Cell(name: "another-model", fault: "firmware answers with another model", faults: line { $0.foreignModel = otherModel }, expected: infraRetried),
    Cell(name: "write-protected", fault: "flash sector 0 write-protected", faults: probe(FaultPlan(writeProtectedSectors: [0])), expected: infraRetried),
    Cell(name: "write-protected-quarantine", fault: "sector 0 write-protected, quarantine_after 1", faults: probe(FaultPlan(writeProtectedSectors: [0])),
         expected: Expectation(state: .passed, firstFailure: "infrastructure", retriedElsewhere: true, quarantined: true), quarantineAfter: 1),
    Cell(name: "low-voltage", fault: "target at 1.6 V, below the flash's minimum", faults: probe(FaultPlan(targetVoltage: 1.6)), expected: infraRetried),
    // For contrast, a test result: a threshold missed is the model's verdict, never retried.
    Cell(name: "threshold-missed", fault: "none; max_p50_ms 0.001 cannot be met", faults: MockBoardFaults(),
         expected: Expectation(state: .failed, firstFailure: "thresholds", retriedElsewhere: false, quarantined: false),
         thresholds: Thresholds(maxP50Ms: 0.001)),
    Cell(name: "unplug-no-spare", fault: "probe pulled mid-programming, one attempt allowed", faults: probe(FaultPlan(unplugDuring: .program)),
         expected: Expectation(state: .errored, firstFailure: "infrastructure", retriedElsewhere: false, quarantined: false), maxAttempts: 1),
]

struct Outcome {
    var actual: Expectation
    var misattributed: Int
    var samples: Int
    var reason: String
    var seconds: Double
}

func run(_ cell: Cell, samples: Int) async throws -> Outcome {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fault-matrix-\(cell.name)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let catalog = try BoardCatalog(directory: root.appendingPathComponent("boards"))
    let store = try BenchStore(directory: directory)
    var config = BenchConfiguration(stateDirectory: directory.path, mockBoards: 2, qemuBoards: 0, udev: false, tags: [:],
                                    maxAttempts: cell.maxAttempts, quarantineAfter: cell.quarantineAfter)
    config.mockCore = .hostHarness
    config.socket = directory.appendingPathComponent("hild.sock").path
    config.mockFaults = [1: cell.faults]
    let bench = try Bench(configuration: config, catalog: catalog, store: store)
    let task = Task { await bench.run(attachMockBoards: true) }
    defer { task.cancel() }
    let started = ContinuousClock.now
    try await until(seconds: 60) { await bench.boards().filter { $0.state == .idle }.count == 2 }

    let m = try await bench.putArtifact(kind: .model, bytes: try Data(contentsOf: modelURL))
    let d = try await bench.putArtifact(kind: .dataset, bytes: try DatasetArchive.tar(directory: datasetFolder))
    var spec = JobSpec(name: cell.name, model: m.id, dataset: d.id)
    spec.options.limit = samples
    spec.options.baud = 921_600
    spec.thresholds = cell.thresholds
    let job = try await bench.submit(spec)
    var done = try await bench.job(id: job.id)
    try await until(seconds: 240) {
        done = try await bench.job(id: job.id)
        return done.state.isFinal
    }
    let events = try await bench.events(job: job.id, after: 0)
    let board1 = MockBus.serial(1)
    let firstFailure: String? = events.contains { $0.kind == "retry" } ? "infrastructure"
        : done.state == .passed ? nil : done.failureKind
    let quarantined = await bench.boards().first { $0.id == board1 }?.state == .quarantined
    let actual = Expectation(state: done.state, firstFailure: firstFailure,
                             retriedElsewhere: done.board != nil && done.board != board1 && done.attempts > 1,
                             quarantined: quarantined)
    // Attribution: each input once, each prediction the host reference's for that very input.
    let rows = try store.samples(job: job.id)
    var seen = Set<Int>()
    var wrong = 0
    for row in rows {
        if !seen.insert(row.index).inserted || row.predicted != row.reference || !(0..<samples).contains(row.index) { wrong += 1 }
    }
    if done.state == .passed || done.state == .failed, rows.count != samples { wrong += abs(samples - rows.count) }
    task.cancel()
    await task.value
    return Outcome(actual: actual, misattributed: wrong, samples: rows.count,
                   reason: done.reason ?? events.first { $0.kind == "retry" }?.message ?? "",
                   seconds: (ContinuousClock.now - started) / .seconds(1))
}

func until(seconds: Double, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "timed out after \(seconds) s"])
}

func describe(_ e: Expectation) -> String {
    "\(e.state.rawValue) \(e.firstFailure ?? "-") \(e.retriedElsewhere ? "retried" : "not-retried") \(e.quarantined ? "quarantined" : "-")"
}

// MARK: main

// The bench's own log (boards idle, jobs assigned) would bury the table: warnings and errors only.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var selected = cells
var samples = 8
while let a = arguments.first {
    arguments.removeFirst()
    switch a {
    case "--list":
        for c in cells { print("\(c.name)\t\(c.fault)\texpect: \(describe(c.expected))") }
        exit(0)
    case "--samples": samples = Int(arguments.removeFirst()) ?? samples
    case "--cells":
        let names = Set(arguments.removeFirst().split(separator: ",").map(String.init))
        selected = cells.filter { names.contains($0.name) }
        let unknown = names.subtracting(cells.map(\.name))
        guard unknown.isEmpty else {
            FileHandle.standardError.write(Data("fault-matrix: no cell \(unknown.sorted().joined(separator: ", ")); --list shows them\n".utf8))
            exit(2)
        }
    default:
        FileHandle.standardError.write(Data("usage: fault-matrix [--cells NAME,…] [--samples N] [--list]\n".utf8))
        exit(2)
    }
}

let widths = [27, 46, 42, 40, 13, 6]
print(zip(["cell", "fault", "expected", "actual", "misattributed", "s"], widths).map { padded($0, $1) }.joined(separator: " ") + " ok")
var failures = 0
for cell in selected {
    let outcome: Outcome
    do { outcome = try await run(cell, samples: samples) } catch {
        failures += 1
        print("\(cell.name): the cell did not run: \(error)")
        continue
    }
    let ok = outcome.actual == cell.expected && outcome.misattributed == 0
    if !ok { failures += 1 }
    let columns = [cell.name, cell.fault, describe(cell.expected), describe(outcome.actual),
                   "\(outcome.misattributed) of \(outcome.samples)", String(format: "%.1f", outcome.seconds)]
    print(zip(columns, widths).map { padded($0, $1) }.joined(separator: " ") + " " + (ok ? "ok" : "DIFFERS"))
    if !ok || !outcome.reason.isEmpty { print("    \(outcome.reason.prefix(200))") }
}
print("fault-matrix: \(selected.count - failures) of \(selected.count) cells as expected, \(samples) samples a job")
exit(failures == 0 ? 0 : 1)
