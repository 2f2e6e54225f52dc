import Foundation
import Testing
import Deployer
#if canImport(Glibc)
import Glibc
#endif

/// Boots the QEMU build of the harness in qemu-system-arm's mps2-an500 and talks to it: the boot
/// HELLO of an empty model region, and a whole host session (HELLO, baud switch, pipelined samples)
/// whose predictions and scores must equal the host's reference runtime bit for bit.
@Suite(.enabled(if: Toolchain.qemuAvailable, Toolchain.qemuSkipMessage), .serialized)
struct QEMUHarnessTests {
    static let modelPath = repositoryRoot.appendingPathComponent("examples/shapes/shapes.hilm").path

    /// qemu-system-arm running the harness; terminated when the test is done with it.
    final class Machine {
        let process = Process()
        let output = Pipe()

        init(serial: String, model: String? = nil) throws {
            let build = FirmwareBuild.shared
            try #require(build.status == 0, "make failed:\n\(build.output)")
            var args = ["qemu-system-arm", "-M", "mps2-an500", "-nographic", "-monitor", "none",
                        "-serial", serial, "-icount", "shift=0", "-kernel", build.elf("qemu-mps2-an500").path]
            if let model { args += ["-device", "loader,file=\(model),addr=0x00100000,force-raw=on"] }
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = args
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// The pty QEMU announces ("char device redirected to /dev/pts/N").
        func ptyPath(timeout: Duration = .seconds(10)) throws -> String {
            let fd = output.fileHandleForReading.fileDescriptor
            var text = ""
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let range = text.range(of: #"/dev/pts/[0-9]+"#, options: .regularExpression) { return String(text[range]) }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 100) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 512)
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                text += String(decoding: buffer[0..<n], as: UTF8.self)
            }
            throw QEMUTestError.noPty(output: text)
        }

        /// SIGKILL, not terminate(): QEMU inherits the test runner's signal mask, in which SIGTERM
        /// is blocked, and would never see it.
        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    enum QEMUTestError: Error { case noPty(output: String) }

    @Test func bootsWithAnEmptyModelRegionAndSaysHello() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hil-qemu-serial-\(getpid()).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        let machine = try Machine(serial: "file:\(file.path)")
        var hello: HelloInfo?
        let deadline = ContinuousClock.now + .seconds(20)
        while hello == nil, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            var decoder = FrameDecoder()
            for case let .frame(frame) in decoder.feed([UInt8](FileManager.default.contents(atPath: file.path) ?? Data())) {
                if case let .hello(info)? = try? DeviceMessage(frame) { hello = info }
            }
        }
        _ = machine
        let info = try #require(hello, "no HELLO from the harness in QEMU")
        #expect(info.reason == .boot)
        #expect(info.modelState == .empty)
        #expect(info.board == "qemu-mps2-an500")
        #expect(info.buildID == FirmwareBuild.buildID)
        #expect(info.timer == .systickEmulated)
        #expect(info.coreClockHz == 25_000_000)
        #expect(info.cacheFlags == [])
        #expect(info.currentBaud == 115_200 && info.bootBaud == 115_200 && info.maxBaud == 1_562_500)
        #expect(info.inputBufferCount == 2 && info.inputBufferSize == 48 * 1024)
    }

    @Test func runsTheExampleModelExactlyAsTheHostDoes() throws {
        let model = try ModelFile.load(path: Self.modelPath)
        let machine = try Machine(serial: "pty", model: Self.modelPath)
        let port = try SerialPort(path: try machine.ptyPath(), baud: 115_200)
        defer { port.close() }
        var options = HarnessOptions()
        options.replyTimeout = .seconds(2)          // QEMU notices a pty's reader within a second
        let session = HarnessSession(link: port, options: options)

        let hello = try session.waitForHello()
        #expect(hello.modelState == .ready)
        #expect(hello.modelHashHex == model.summary.sha256)
        #expect(hello.labels == model.summary.labels)
        #expect(hello.inputByteCount == 32 * 32 * 3)

        try session.switchBaud(to: 921_600) { rate in try port.setBaud(Int(rate)) }
        #expect(port.baud == 921_600)

        let samples = seededSamples(count: 6, bytes: hello.inputByteCount)
        var results: [Int: SampleResult] = [:]
        try session.run(samples: samples) { results[$0.id] = $0 }
        _ = machine

        let reference = ReferenceRuntime(model)
        #expect(results.count == samples.count)
        for sample in samples {
            let device = try #require(results[sample.id], "no result for sample \(sample.id)")
            let host = reference.predict(sample.input.map { Int8(bitPattern: $0) })
            #expect(device.scores == host.scores, "sample \(sample.id): QEMU \(device.scores) host \(host.scores)")
            #expect(device.predictedClass == host.predicted)
            #expect(device.timer == .systickEmulated)
            // 2.2 M MACs: some hundred thousand 25 MHz ticks (40 instructions each), never zero.
            #expect(device.cycles > 10_000 && device.cycles < 10_000_000, "sample \(sample.id): \(device.cycles) cycles")
        }
    }
}
