// Emulated-board benchmark: prints figures; it is not a test.
//
//   swift run -c release emulated-board-benchmark [--samples N]
//
// For the example model and the pruned ASL network: the same evaluation `hilctl run --mock`
// makes (pack into the stm32f746g-disco harness, flash through the emulated ST-LINK, HELLO,
// 2,000,000 baud, stream N inputs), once on the emulated core running that firmware and once on
// the host-compiled harness (`--mock-core host-harness`). Prints samples per second of the
// stream, instructions per inference (the emulated DWT counts one cycle per instruction) and
// emulated instructions per second of wall time, and the ratio of the two mocks.
import Foundation
import Deployer
import MockBoard
import STLink

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let catalog = try BoardCatalog(directory: root.appendingPathComponent("boards"))
let samples: Int = {
    guard let i = CommandLine.arguments.firstIndex(of: "--samples"), i + 1 < CommandLine.arguments.count,
          let n = Int(CommandLine.arguments[i + 1]), n > 0 else { return 30 }
    return n
}()

struct Row { let model: String, core: MockCoreKind, report: EvaluationReport, wall: Double }

func evaluate(model: String, dataset: String, core: MockCoreKind) throws -> Row {
    let definition = try catalog.board(named: "stm32f746g-disco")
    let runner = EvaluationRunner(catalog: catalog)
    var request = RunRequest(modelPath: root.appendingPathComponent(model).path, datasetPath: root.appendingPathComponent(dataset).path)
    request.limit = samples
    request.baud = 2_000_000
    request.profile = 0
    let harness = core == .hostHarness ? nil
        : try HarnessFirmware.image(target: definition.name, given: nil, catalog: catalog,
                                    base: definition.firmware.harnessRegion.base.value, note: { _ in })
    let prepared = try runner.prepare(request, harness: harness)
    let board = MockBoard(chip: catalog.chip(for: definition), probe: .v2_1(serial: "MOCK0746F7DISCO01"), hseHz: definition.hseHz)
    let path = try board.attach(core, uart: MockUARTConfig(board: definition))
    defer { board.detachSerial() }
    let start = ContinuousClock.now
    let report = try runner.run(prepared, boardKind: "mock",
                                core: core == .hostHarness ? .hostHarness : .emulatedSTM32(definition.part),
                                deploy: runner.flashing(through: board.probe, request.flash),
                                openSerial: { rate in try SerialPort(path: path, baud: rate) })
    return Row(model: report.model.name, core: core, report: report, wall: (ContinuousClock.now - start).seconds)
}

var rows: [Row] = []
for (model, dataset) in [("examples/shapes/shapes.hilm", "examples/shapes/holdout"), ("examples/asl/asl-vgg-pruned.hilm", "examples/asl/test")] {
    for core in [MockCoreKind.emulated, .hostHarness] {
        FileHandle.standardError.write(Data("\(model) on the \(core.rawValue) mock, \(samples) samples…\n".utf8))
        rows.append(try evaluate(model: model, dataset: dataset, core: core))
    }
}

print("== \(samples) samples per run at 2,000,000 baud, stm32f746g-disco mock (flash, HELLO, baud switch, stream)")
print("model | mock core | samples/s (stream) | whole run s | instructions/inference | emulated instr/s | timer")
for r in rows {
    let t = r.report.throughput
    let cycles = r.report.latency?.cycles.median ?? 0
    let instrPerSecond = r.core == .emulated && t.seconds > 0 ? String(format: "%.1f M", cycles * Double(r.report.accuracy.total) / t.seconds / 1e6) : "—"
    print(String(format: "%@ | %@ | %.2f | %.2f | %@ | %@ | %@", r.model, r.core.rawValue, t.samplesPerSecond, r.wall,
                 r.core == .emulated ? String(format: "%.2f M", cycles / 1e6) : String(format: "(estimate %.2f M cycles)", cycles / 1e6),
                 instrPerSecond, r.report.board.timerKind))
}
for pair in stride(from: 0, to: rows.count, by: 2) {
    let e = rows[pair], h = rows[pair + 1]
    let agree = e.report.samples.map(\.predicted) == h.report.samples.map(\.predicted)
    print(String(format: "%@: emulated/host-harness samples/s %.3f×; predictions identical: %@", e.model,
                 e.report.throughput.samplesPerSecond / h.report.throughput.samplesPerSecond, agree ? "yes" : "NO"))
}
