import Foundation
import Testing

/// Runs the built `hilctl` as a user would: exit codes, stdout results, stderr messages.
@Suite(.serialized) struct HilctlEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `swift test` builds every product; the executable sits next to the test bundle.
    static var hilctl: URL {
        get throws {
            var dir = Bundle.main.bundleURL
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("hilctl")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "hilctl is not built next to \(Bundle.main.bundleURL.path); run `swift build` first"])
        }
    }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try Self.hilctl
        process.arguments = arguments
        process.currentDirectoryURL = Self.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func tempFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hil-e2e-\(UUID())-\(name)").path
    }

    @Test func flashTwiceOnTheMockBoardErasesNothingTheSecondTime() throws {
        let state = tempFile("flash")
        let first = try run(["flash", "--mock", "--mock-flash", state, "examples/blinky/blinky.elf", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstJSON = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(firstJSON?["sectors_erased"] as? [Int] == [0])
        #expect(firstJSON?["verified"] as? Bool == true)
        #expect(first.stderr.contains("erasing"))

        let second = try run(["flash", "--mock", "--mock-flash", state, "examples/blinky/blinky.hex"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("up to date"), "\(second.stdout)")
    }

    @Test func aMissingImageIsRefusedWithItsPathAndStatus1() throws {
        let result = try run(["flash", "--mock", "--mock-flash", tempFile("x"), "no/such/firmware.elf"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no/such/firmware.elf"))
        #expect(result.stdout.isEmpty)
    }

    @Test func aBadBaseAddressIsAUsageError() throws {
        let result = try run(["flash", "--mock", "--base", "0xZZ", "examples/blinky/blinky.bin"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("0xZZ"))
    }

    @Test func probesOnAMachineWithoutUSBSaysNoneAttached() throws {
        let result = try run(["probes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("no ST-LINK attached"))
    }

    @Test func probesListsTheMockBoardAsJSON() throws {
        let result = try run(["probes", "--mock", "--mock-flash", tempFile("p"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 1)
        #expect((rows?.first?["target"] as? String)?.contains("STM32F74x") == true)
        #expect((rows?.first?["probe"] as? String) == "ST-LINK/V2-1")
    }

    @Test func theUSBLogHoldsEveryTransferInHex() throws {
        let log = tempFile("usb.log")
        let result = try run(["flash", "--mock", "--mock-flash", tempFile("l"), "--usb-log", log, "examples/blinky/blinky.bin"])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains(" OUT ") && text.contains(" IN "))
        #expect(text.contains("f1000000000000000000000000000000"))   // GET_VERSION, the first command
    }

    @Test func aWholeRunOnTheMockBoardReportsAccuracyLatencyAndAgreementAsJSON() throws {
        let state = tempFile("run")
        let result = try run(["run", "--mock", "--mock-flash", state, "--model", "examples/shapes/shapes.hilm",
                              "--dataset", "examples/shapes/holdout", "--limit", "12", "--baud", "2000000", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["schema_version"] as? Int == 2)
        let accuracy = try #require(report["accuracy"] as? [String: Any])
        #expect(accuracy["total"] as? Int == 12)
        // The first five inputs came back with the board's per-layer profile (the harness's frame,
        // through the session), laid against the model's seven layers; they add up to the inference.
        let profile = try #require(report["profile"] as? [String: Any])
        #expect(profile["requested_inputs"] as? Int == 5 && profile["profiled_inputs"] as? Int == 5)
        let layers = try #require(profile["layers"] as? [[String: Any]])
        #expect(layers.map { $0["op"] as? String } == ["conv2d+relu", "max_pool", "conv2d+relu", "max_pool", "conv2d+relu",
                                                       "global_avg_pool", "fully_connected"])
        let sum = layers.compactMap { $0["cycles"] as? Int }.reduce(0, +)
        #expect(sum == profile["layer_cycles_total"] as? Int && sum > 0)
        let memory = try #require(profile["memory"] as? [String: Any])
        let peak = try #require(memory["arena_peak_bytes"] as? Int), planned = try #require(memory["arena_planned_bytes"] as? Int)
        #expect(peak <= planned && peak + 4 > planned)          // painted, read back: the plan, but its rounding
        let agreement = try #require(report["agreement"] as? [String: Any])
        #expect(agreement["rate"] as? Double == 1.0)          // the firmware's runtime, bit for bit the host's
        // The mock board's core ran the flashed F746 firmware: its DWT counts emulated instructions.
        let latency = try #require(report["latency"] as? [String: Any])
        #expect(latency["timer_kind"] as? String == "emulated")
        let board = try #require(report["board"] as? [String: Any])
        #expect((board["core"] as? String)?.contains("emulated STM32F746") == true)
        #expect(board["harness_build"] as? String != "mock-harness-1")
        #expect(board["baud"] as? Int == 2_000_000)
        #expect((report["samples"] as? [[String: Any]])?.count == 12)
        // Six classes, two of each in the first twelve: the order interleaves classes.
        let classes = try #require(report["classes"] as? [[String: Any]])
        #expect(classes.map { $0["support"] as? Int } == [2, 2, 2, 2, 2, 2])
        #expect(result.stderr.contains("samples"))
    }

    @Test func aMissingDatasetIsRefusedBeforeTheBoardIsTouched() throws {
        let state = tempFile("nodata")
        let result = try run(["run", "--mock", "--mock-flash", state, "--model", "examples/shapes/shapes.hilm",
                              "--dataset", "no/such/dataset"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no/such/dataset"))
        #expect(!FileManager.default.fileExists(atPath: state), "the mock board was flashed before the input was checked")
    }

    @Test func aFileThatIsNotAModelIsRefusedByName() throws {
        let result = try run(["run", "--mock", "--mock-flash", tempFile("m"), "--model", "examples/blinky/blinky.bin",
                              "--dataset", "examples/shapes/holdout"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("blinky.bin"))
    }
}

