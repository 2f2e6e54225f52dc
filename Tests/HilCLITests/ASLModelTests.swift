import Foundation
import Testing
import Deployer
@testable import HilCLI

/// The seed's story on the bench, with the models of examples/asl (a synthetic test split): the
/// original VGG does not fit the STM32F746G-DISCO and is refused with its sizes; the pruned one
/// fits, and the mock board measures exactly the int8 accuracy the exporter computed; the
/// comparison of the two gives the seed's table. The trained original is too large to commit, so
/// the original here is examples/asl/original_shape.py's: its layers with random weights, which
/// is all that sizes, costs and ratios depend on.
@Suite(.serialized) struct ASLModelTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ p: String) -> String { root.appendingPathComponent(p).path }
    static let pruned = path("examples/asl/asl-vgg-pruned.hilm")
    /// The original's shape, written once for the suite; nil with the reason when it cannot be.
    static let original: Result<String, ShapeUnavailable> = {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("hil-asl-\(UUID())-original-shape.hilm").path
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        script.arguments = ["python3", path("examples/asl/original_shape.py"), "-o", output]
        let errors = Pipe()
        script.standardError = errors
        do { try script.run() } catch { return .failure(ShapeUnavailable(reason: "cannot run python3: \(error)")) }
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        guard script.terminationStatus == 0 else {
            return .failure(ShapeUnavailable(reason: "examples/asl/original_shape.py failed (scripts/setup installs numpy): \(said)"))
        }
        return .success(output)
    }()
    struct ShapeUnavailable: Error { let reason: String }
    static let testSplit = path("examples/asl/test")

    /// What the exporter wrote about a model: its summary with the test-split figures.
    static func exportSummary(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("examples/asl/\(name).export.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// hilctl as a subprocess, waited for on a thread of its own: these runs take seconds to
    /// half a minute, and blocking one of the (two, on a 2-core CI machine) cooperative threads
    /// that long starves the async tests running beside them.
    func hilctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try await withCheckedThrowingContinuation { (done: CheckedContinuation<HilctlEndToEndTests.Result, any Error>) in
            Thread { done.resume(with: Result { try HilctlEndToEndTests().run(arguments) }) }.start()
        }
        return (r.status, r.stdout, r.stderr)
    }

    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hil-asl-\(UUID())-\(name)").path
    }

    @Test func thePrunedModelRunsOnTheMockBoardWithTheExportersInt8Accuracy() async throws {
        let exported = try #require(try Self.exportSummary("asl-vgg-pruned")["test"] as? [String: Any])
        let r = try await hilctl(["run", "--mock", "--mock-flash", tempPath("flash"), "--model", Self.pruned,
                            "--dataset", Self.testSplit, "--baud", "2000000", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try ReportJSON.decode(Data(r.stdout.utf8), source: "hilctl run")
        #expect(report.accuracy.total == exported["samples"] as? Int)
        #expect(report.accuracy.correct == exported["int8_correct"] as? Int,
                "the mock board's top-1 differs from the exporter's int8 figure")
        #expect(report.agreement.agree == report.accuracy.total, "device/host mismatches: \(report.agreement.mismatches)")
        // It fits: the model in its region, the arena in the harness's.
        #expect(report.footprint.modelBytes <= report.footprint.modelRegionBytes)
        #expect(report.footprint.arenaBytes <= report.footprint.harnessArenaBytes)
        #expect(report.model.parameters == UInt64(try #require(try Self.exportSummary("asl-vgg-pruned")["params"] as? Int)))
    }

    @Test func theOriginalsShapeHasTheTrainedModelsSizes() throws {
        let model = try ModelFile.load(path: try Self.original.get())
        let trained = try Self.exportSummary("asl-vgg-original")
        #expect(model.summary.parameters == UInt64(try #require(trained["params"] as? Int)))
        #expect(model.summary.macs == UInt64(try #require(trained["macs"] as? Int)))
        #expect(model.summary.arenaBytes == (try #require(trained["arena_bytes"] as? Int)))
        // The blob differs by the name's length alone: "asl-vgg-original-shape" pads to 8 bytes more.
        #expect(model.blob.count == (try #require(trained["flash_bytes"] as? Int)) + 8)
    }

    @Test func packingTheOriginalIsRefusedWithItsSizesAgainstTheBoardsFlash() async throws {
        let output = tempPath("original.hex")
        let original = try Self.original.get()
        let r = try await hilctl(["pack", "--board", "stm32f746g-disco", "--model", original, "-o", output])
        #expect(r.status == 1)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: original)[.size] as? Int)
        #expect(r.stderr.contains("is \(size) bytes"), "\(r.stderr)")
        #expect(r.stderr.contains("786432 bytes"), "the model region's size is named: \(r.stderr)")
        #expect(r.stderr.contains("whole flash is 1048576 bytes"), "the board's flash is named: \(r.stderr)")
        #expect(r.stderr.contains("arena is also more than the harness's 204800 bytes"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output), "a refused pack left an image behind")
    }

    @Test func thePrunedModelPacksIntoTheBoardsHarnessAtTheModelRegion() async throws {
        if let missing = QEMUBoardRunTests.missingTool { print(missing); return }
        let output = tempPath("pruned.hex")
        defer { try? FileManager.default.removeItem(atPath: output) }
        // The board's harness is built on the spot when missing, as `hilctl run` does.
        let r = try await hilctl(["pack", "--board", "stm32f746g-disco", "--model", Self.pruned, "-o", output])
        #expect(r.status == 0, "\(r.stderr)")
        let board = try BoardCatalog(directory: Self.root.appendingPathComponent("boards")).board(named: "stm32f746g-disco")
        let image = try ImageLoader.load(path: output, binaryBase: 0)
        let base = board.firmware.modelRegion.base.value
        let blob = try ModelFile.load(path: Self.pruned).blob
        let holding = try #require(image.segments.first { $0.address <= base && $0.end >= UInt64(base) + UInt64(blob.count) },
                                   "no segment holds the model region at 0x\(String(base, radix: 16))")
        let start = Int(base - holding.address)
        #expect(Array(holding.bytes[start..<start + blob.count]) == blob, "the model region does not hold the model's bytes")
        // And the harness's vector table sits at the start of flash, below the model.
        #expect(image.segments.first?.address == board.firmware.harnessRegion.base.value)
    }

    @Test func theOriginalIsEvaluatedHostSideAndComparedWithThePrunedOne() async throws {
        // A few samples of each, so the test stays short; the figures in the docs use the whole split.
        let originalReport = tempPath("original.json"), prunedReport = tempPath("pruned.json")
        let host = try await hilctl(["run", "--host-only", "--model", try Self.original.get(), "--dataset", Self.testSplit, "--limit", "12", "--json"])
        #expect(host.status == 0, "\(host.stderr)")
        #expect(host.stderr.contains("more than the 786432-byte model region"), "\(host.stderr)")
        try host.stdout.write(toFile: originalReport, atomically: true, encoding: .utf8)
        // The host-harness mock: its latency is the same cost model's as the host-only run's, so the
        // comparison's latency ratio is meaningful (the emulated core's would be "not comparable").
        let mock = try await hilctl(["run", "--mock", "--mock-core", "host-harness", "--mock-flash", tempPath("flash"), "--model", Self.pruned,
                               "--dataset", Self.testSplit, "--limit", "12", "--baud", "2000000", "--json"])
        #expect(mock.status == 0, "\(mock.stderr)")
        try mock.stdout.write(toFile: prunedReport, atomically: true, encoding: .utf8)

        let table = try await hilctl(["compare", originalReport, prunedReport, "--format", "json"])
        #expect(table.status == 0, "\(table.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(table.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        func ratio(_ metric: String) -> Double? { rows.first { $0["metric"] as? String == metric }?["ratio"] as? Double }
        let o = try Self.exportSummary("asl-vgg-original"), p = try Self.exportSummary("asl-vgg-pruned")
        let params = try #require(ratio("parameters")), macs = try #require(ratio("MACs"))
        #expect(abs(params - Double(p["params"] as! Int) / Double(o["params"] as! Int)) < 1e-9)
        #expect(abs(macs - Double(p["macs"] as! Int) / Double(o["macs"] as! Int)) < 1e-9)
        #expect(params < 0.05 && macs < 0.05, "pruning cut parameters and MACs by more than 20×")
        // Both latencies come from the same cost model, so their ratio is the cost model's.
        #expect(try #require(ratio("latency p50")) < 0.05)
        #expect(ratio("model flash") != nil && ratio("arena RAM") != nil && ratio("top-1 accuracy") != nil)
        let warnings = try #require(json["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("does not fit stm32f746g-disco") && $0.contains("host-side") }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("not comparable") }, "same timer, same samples: \(warnings)")
    }

    @Test func thePrunedModelRunsOnTheQEMUBoardAsOnTheHost() async throws {
        if let missing = QEMUBoardRunTests.missingTool { print(missing); return }
        // One sample of each class: the harness firmware's machine code gives the C runtime's
        // prediction for each, with emulated cycles; the whole split is in docs/asl.md.
        let r = try await hilctl(["run", "--qemu", "--model", Self.pruned, "--dataset", Self.testSplit, "--limit", "29", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try ReportJSON.decode(Data(r.stdout.utf8), source: "hilctl run --qemu")
        #expect(report.board.kind == "qemu" && report.board.timerKind == "emulated")
        #expect(report.accuracy.total == 29)
        #expect(report.agreement.agree == 29, "device/host mismatches: \(report.agreement.mismatches)")
        // The same network on every sample: emulated time barely varies (max-pooling's branches).
        let cycles = report.samples.map(\.cycles)
        let low = try #require(cycles.min()), high = try #require(cycles.max())
        #expect(low > 0 && Double(high - low) / Double(low) < 0.01, "\(low)…\(high)")
    }
}
