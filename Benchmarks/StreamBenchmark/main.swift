// Streaming benchmark on the mock board: prints figures and ratios; it is not a test.
//
//   swift run -c release stream-benchmark
//
// Streams 3072-byte inputs (32×32×3 int8) through the mock board's virtual COM port (a real pty,
// bytes paced at the line rate, the firmware's C harness behind it) at 115200, 921600 and
// 2,000,000 baud, with two models: a minimal one whose inference is negligible (the line is the
// bottleneck) and the example CNN (2.2 M MACs, ~27.7 ms estimated per inference on the M7).
// Wall-clock time, because the pty and the pacing are real.
import Foundation
import Deployer
import MockBoard
import STLink

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let catalog = try BoardCatalog(directory: (try? BoardsDirectory.locate()) ?? root.appendingPathComponent("boards"))
let board = try catalog.board(named: "stm32f746g-disco")

struct Row {
    var model: String, baud: Int, inputs: Int
    var seconds: Double, inputsPerSecond: Double
    var wireBytesPerInputByte: Double, lineUsed: Double, inputShareOfLine: Double
    var inferenceMs: Double
}

func measure(modelPath: String, baud: Int, inputs count: Int) throws -> Row {
    let model = try ModelFile.load(path: modelPath)
    let image = try FirmwarePacker.pack(model: model, harness: FirmwarePacker.mockHarness(board: board), board: board)
    let mock = MockBoard(chip: catalog.chip(for: board))
    for segment in image.segments { mock.target.preload(flash: segment.bytes, at: segment.address) }
    mock.target.systemReset()
    let config = MockUARTConfig(board: board)
    let path = try mock.attachSerial(config)
    let port = try SerialPort(path: path, baud: board.harness.bootBaud)
    defer { port.close(); mock.detachSerial() }
    let session = HarnessSession(link: port)
    _ = try session.waitForHello()
    if baud != board.harness.bootBaud { try session.switchBaud(to: UInt32(baud)) { try port.setBaud(Int($0)) } }
    var seed: UInt32 = 1
    let samples = (0..<count).map { i in
        (id: i, input: (0..<model.summary.inputBytes).map { _ -> UInt8 in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: seed >> 24)
        })
    }
    let before = session.statistics
    var cycles: UInt64 = 0
    let start = ContinuousClock.now
    try session.run(samples: samples) { cycles = $0.cycles }
    let seconds = (ContinuousClock.now - start).seconds
    let sent = session.statistics.bytesSent - before.bytesSent
    let inputBytes = count * model.summary.inputBytes
    let lineBytes = Double(baud) / 10 * seconds
    return Row(model: model.summary.name, baud: baud, inputs: count, seconds: seconds,
               inputsPerSecond: Double(count) / seconds,
               wireBytesPerInputByte: Double(sent) / Double(inputBytes),
               lineUsed: Double(sent) / lineBytes, inputShareOfLine: Double(inputBytes) / lineBytes,
               inferenceMs: Double(cycles) / Double(board.coreClockHz) * 1000)
}

let models = [root.appendingPathComponent("Benchmarks/StreamBenchmark/pool-dense-32x32x3.hilm").path,
              root.appendingPathComponent("examples/shapes/shapes.hilm").path]
var rows: [Row] = []
for path in models {
    for (baud, n) in [(115_200, 12), (921_600, 80), (2_000_000, 160)] {
        rows.append(try measure(modelPath: path, baud: baud, inputs: n))
    }
}
print("Stream benchmark: mock STM32F746G-DISCO, 3072-byte inputs, wall-clock time over a pty paced at the line rate")
print("model | baud | inputs | seconds | inputs/s | input kB/s | wire bytes per input byte | line used | line carrying input | inference (estimated)")
for r in rows {
    print(String(format: "%@ | %d | %d | %.2f | %.2f | %.2f | %.4f | %.1f %% | %.1f %% | %.2f ms",
                 r.model, r.baud, r.inputs, r.seconds, r.inputsPerSecond, r.inputsPerSecond * 3.072,
                 r.wireBytesPerInputByte, r.lineUsed * 100, r.inputShareOfLine * 100, r.inferenceMs))
}
print("anchor: MLPerf Tiny's runner on a DISCO-F746NG at 115200: 2.59 kB/s of input, about 22 % of the line")
