// ASL benchmark: prints figures; it is not a test.
//
//   swift run -c release asl-benchmark [--emulated-inferences N]
//
// For the seed's two networks (examples/asl: the original VGG and its channel-pruned version,
// trained on the SYNTHETIC ASL set): parameters, MACs, flash and arena bytes; float top-1 (the
// exporter's figure, examples/asl/<name>.export.json) and int8 top-1 on the synthetic test split
// (this machine running the board's C runtime); estimated cycles per inference (the mock board's
// Cortex-M7 cost model, at the F746's 216 MHz) and emulated cycles (the harness firmware's
// machine code under QEMU, SysTick at 25 MHz with -icount shift=0, i.e. instructions). The
// original does not fit the F746G-DISCO, so it runs on qemu-mps2-an500-large (model in the
// machine's 16 MB PSRAM); the pruned one on qemu-mps2-an500, the board's own budgets.
// The trained original is not committed (9.3 MB); without examples/asl/asl-vgg-original.hilm
// (export.py writes it) its layers with random weights stand in: same sizes and cycles, and its
// accuracy is taken from its export.json.
import Foundation
import Deployer
import HilCLI

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let catalog = try BoardCatalog(directory: root.appendingPathComponent("boards"))
let testSplit = root.appendingPathComponent("examples/asl/test").path
let emulatedInferences: Int = {
    guard let i = CommandLine.arguments.firstIndex(of: "--emulated-inferences"), i + 1 < CommandLine.arguments.count,
          let n = Int(CommandLine.arguments[i + 1]), n > 0 else { return 3 }
    return n
}()

struct Figures {
    var name = "", params: UInt64 = 0, macs: UInt64 = 0, flash = 0, arena = 0
    var floatTop1: Double?, int8Top1: Double?, samples = 0, hostSeconds = 0.0, trained = true
    var estimatedCycles: UInt64 = 0, emulatedTicks: Double?, emulatedOn = "", emulatedNote = ""
}

/// A test-split figure from the exporter's summary (examples/asl/<name>.export.json).
func exported(_ name: String, _ key: String) -> Double? {
    let url = root.appendingPathComponent("examples/asl/\(name).export.json")
    guard let data = try? Data(contentsOf: url),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let test = json["test"] as? [String: Any] else { return nil }
    return test[key] as? Double
}

/// The trained original when export.py has written it here; else the original's shape with
/// random weights (examples/asl/original_shape.py): the same sizes and costs, no accuracy.
func originalModel() throws -> (path: String, trained: Bool) {
    let trained = root.appendingPathComponent("examples/asl/asl-vgg-original.hilm").path
    if FileManager.default.fileExists(atPath: trained) { return (trained, true) }
    let shape = root.appendingPathComponent("out/asl/asl-vgg-original-shape.hilm").path
    let script = Process()
    script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    script.arguments = ["python3", root.appendingPathComponent("examples/asl/original_shape.py").path, "-o", shape]
    try script.run()
    script.waitUntilExit()
    guard script.terminationStatus == 0 else { throw QEMUUnavailable(reason: "examples/asl/original_shape.py failed (it needs numpy)") }
    return (shape, false)
}

/// Median SysTick ticks of a few inferences on a QEMU machine (`hilctl run --qemu`'s run), with
/// the harness rebuilt first if its sources changed: a stale build would measure other code.
func emulatedTicks(modelPath: String, machineName: String, inferences: Int) throws -> (Double, Int) {
    let made = Process()
    made.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    made.arguments = ["make", "-s", "-C", root.appendingPathComponent("boards/firmware").path, machineName]
    made.standardOutput = FileHandle.nullDevice
    try made.run()
    made.waitUntilExit()
    guard made.terminationStatus == 0 else { throw QEMUUnavailable(reason: "make \(machineName) failed (install gcc-arm-none-eabi and libnewlib-arm-none-eabi)") }
    var request = RunRequest(modelPath: modelPath, datasetPath: testSplit)
    request.limit = inferences
    let report = try QEMURun(catalog: catalog, machineName: machineName, harnessPath: nil).run(request, json: true)
    let ticks = report.samples.map { Double($0.cycles) }.sorted()
    return (ticks[ticks.count / 2], report.agreement.agree)
}

struct QEMUUnavailable: Error { let reason: String }

var rows: [Figures] = []
for (name, machine) in [("asl-vgg-original", "qemu-mps2-an500-large"), ("asl-vgg-pruned", "qemu-mps2-an500")] {
    let (path, trained) = name == "asl-vgg-original" ? try originalModel()
        : (root.appendingPathComponent("examples/asl/\(name).hilm").path, true)
    let model = try ModelFile.load(path: path)
    var f = Figures(name: name, params: model.summary.parameters, macs: model.summary.macs,
                    flash: model.blob.count, arena: model.summary.arenaBytes, floatTop1: exported(name, "float_top1"))
    f.trained = trained
    if trained {
        FileHandle.standardError.write(Data("\(name): int8 on the test split (host C runtime)…\n".utf8))
        let start = ContinuousClock.now
        let host = try HostRun(catalog: catalog).run(RunRequest(modelPath: path, datasetPath: testSplit))
        f.hostSeconds = (ContinuousClock.now - start).seconds
        f.int8Top1 = host.accuracy.top1
        f.samples = host.accuracy.total
    } else {
        // A stand-in's predictions are noise: its accuracy is the trained model's, from its export.
        f.int8Top1 = exported(name, "int8_top1")
    }
    f.estimatedCycles = HostRun(catalog: catalog).estimatedCycles(model)
    FileHandle.standardError.write(Data("\(name): \(emulatedInferences) inferences under QEMU (\(machine))…\n".utf8))
    do {
        let (ticks, agree) = try emulatedTicks(modelPath: path, machineName: machine, inferences: emulatedInferences)
        f.emulatedTicks = ticks
        f.emulatedOn = machine
        f.emulatedNote = "device = host on \(agree)/\(emulatedInferences)"
    } catch {
        f.emulatedNote = "not measured: \(error)"
    }
    rows.append(f)
}

func count(_ v: UInt64) -> String { v >= 1_000_000 ? String(format: "%.2f M", Double(v) / 1e6) : String(format: "%.1f k", Double(v) / 1e3) }
func bytes(_ v: Int) -> String { v >= 1 << 20 ? String(format: "%.2f MB", Double(v) / 1048576) : String(format: "%.1f KB", Double(v) / 1024) }
func pct(_ v: Double?) -> String { v.map { String(format: "%.2f %%", $0 * 100) } ?? "—" }

print("== The seed's two networks on the SYNTHETIC ASL test split (\(rows.map(\.samples).max() ?? 0) images)")
print("figure | " + rows.map(\.name).joined(separator: " | ") + " | pruned/original")
func line(_ label: String, _ cells: [String], _ ratio: Double?) {
    print("\(label) | " + cells.joined(separator: " | ") + " | " + (ratio.map { String(format: $0 < 0.1 ? "%.4f×" : "%.3f×", $0) } ?? "—"))
}
let (o, p) = (rows[0], rows[1])
line("parameters", rows.map { count($0.params) }, Double(p.params) / Double(o.params))
line("MACs", rows.map { count($0.macs) }, Double(p.macs) / Double(o.macs))
line("flash (model blob)", rows.map { bytes($0.flash) }, Double(p.flash) / Double(o.flash))
line("arena", rows.map { bytes($0.arena) }, Double(p.arena) / Double(o.arena))
line("float top-1 (exporter)", rows.map { pct($0.floatTop1) }, nil)
line("int8 top-1 (C runtime)", rows.map { pct($0.int8Top1) + ($0.trained ? "" : " (export.json)") }, nil)
line("estimated cycles/inference (cost model)", rows.map { count($0.estimatedCycles) }, Double(p.estimatedCycles) / Double(o.estimatedCycles))
line("estimated ms at 216 MHz", rows.map { String(format: "%.2f ms", Double($0.estimatedCycles) / 216_000) }, Double(p.estimatedCycles) / Double(o.estimatedCycles))
line("emulated instructions/inference (QEMU)", rows.map { $0.emulatedTicks.map { count(UInt64($0 * 40)) } ?? "—" },
     o.emulatedTicks.flatMap { ot in p.emulatedTicks.map { $0 / ot } })
line("emulated instructions per MAC", rows.map { r in r.emulatedTicks.map { String(format: "%.2f", $0 * 40 / Double(r.macs)) } ?? "—" }, nil)
line("estimated cycles per MAC", rows.map { String(format: "%.2f", Double($0.estimatedCycles) / Double($0.macs)) }, nil)
print("")
for r in rows where !r.trained {
    print("\(r.name): the trained model is not here (export.py writes it after train.py), so its layers with random weights stood in (examples/asl/original_shape.py): sizes and cycles are the trained model's, accuracy is from its export.json")
}
for r in rows {
    let host = r.samples > 0 ? "; host evaluation of \(r.samples) images took \(String(format: "%.1f", r.hostSeconds)) s" : ""
    print("\(r.name): emulated on \(r.emulatedOn.isEmpty ? "—" : r.emulatedOn), \(r.emulatedNote)\(host)")
}
print("(QEMU's SysTick runs at 25 MHz and -icount shift=0 makes one instruction one nanosecond: 40 instructions a tick.)")
