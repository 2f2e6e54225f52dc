// USB/IP benchmark: prints figures and ratios; it is not a test.
//
//   swift run -c release usbip-benchmark
//
// The same mock STM32F746G-DISCO work two ways: through the in-process emulated ST-LINK (and its
// VCP pty), and through a USB/IP server on loopback with hil's USB/IP client transport (and the
// CDC-ACM port over the same connection).
//
// Flash: a fresh board, an image of each size, a full flash with read-back verify. In process the
// driver runs on the mock's virtual clock (the emulated USB, SWD and flash timings, no waiting):
// its modelled time and the wall time it took are both shown. Through USB/IP the driver's clock
// is the wall; the exported board's clock moves by its emulated work and by the real time between
// requests, so the driver's BSY polls during an erase wait for real, while other emulated work is
// not slowed to its modelled pace. Then the image is read back (no flash waits at all): that
// ratio is what the USB/IP round trips themselves cost.
//
// Streaming: 3072-byte inputs through the harness on the VCP (a model whose inference is
// negligible, so the line is the bottleneck), wall-clock both ways, and the ratio of throughputs.
import Foundation
import Deployer
import MockBoard
import STLink
import USBIP

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let boards = (try? BoardsDirectory.locate()) ?? root.appendingPathComponent("boards")
let catalog = try BoardCatalog(directory: boards)
let definition = try catalog.board(named: "stm32f746g-disco")
let chip = catalog.chip(for: definition)
let description = try MockUSBIPServer.stlinkV21(boardsDirectory: boards)

/// A server on a free loopback port exporting one fresh mock board (with its VCP when asked).
func exported(serial: Bool) throws -> (MockUSBIPServer, MockBoard, USBIPAddress) {
    let board = MockBoard(chip: chip, probe: .v2_1(serial: "MOCK0746F7DISCO01"))
    let server = try MockUSBIPServer(description: description, options: .init(host: "127.0.0.1", port: 0))
    let busid = server.export(board, serialPath: serial ? try board.attachSerial(MockUARTConfig(board: definition)) : nil)
    server.start()
    return (server, board, USBIPAddress(host: "127.0.0.1", port: server.port, busid: busid))
}

func image(kilobytes: Int) throws -> FlashRequest {
    var x: UInt32 = 0x1234_5678
    let bytes = (0..<(kilobytes * 1024)).map { _ -> UInt8 in
        x = x &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: x >> 24)
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("usbip-bench-\(kilobytes)k.bin").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var request = FlashRequest(imagePath: path)
    request.board = definition.name
    return request
}

struct FlashRow {
    var kb: Int, localClock: Double, localWall: Double, remote: Double, remoteErase: Double
    var readLocal: Double, readRemote: Double, readTransfers: Int
}

/// Wall seconds to read `count` bytes of flash through `transport`, and the transfers it took.
func readBack(_ transport: any USBTransport, count: Int, statistics: () -> MockStatistics) throws -> (Double, Int) {
    let probe = STLinkProbe(transport: transport)
    try probe.open()
    let before = statistics()
    let start = ContinuousClock.now
    _ = try probe.read(0x0800_0000, count: count)
    let after = statistics()
    return ((ContinuousClock.now - start).seconds, after.transfersIn + after.transfersOut - before.transfersIn - before.transfersOut)
}

func measureFlash(kilobytes: Int) throws -> FlashRow {
    let request = try image(kilobytes: kilobytes)
    let local = MockBoard(chip: chip, probe: .v2_1())
    let wallStart = ContinuousClock.now
    let inProcess = try FlashDeployment(catalog: catalog).run(request, transport: local.probe)
    let localWall = (ContinuousClock.now - wallStart).seconds
    let (server, board, address) = try exported(serial: false)
    defer { server.stop() }
    let transport = try USBIPProbes.open(address)
    let remote = try FlashDeployment(catalog: catalog).run(request, transport: transport)
    precondition(board.target.flashBytes(at: 0x0800_0000, count: kilobytes * 1024)
                 == local.target.flashBytes(at: 0x0800_0000, count: kilobytes * 1024), "the two flashes differ")
    let (readLocal, _) = try readBack(local.probe, count: kilobytes * 1024, statistics: { local.statistics })
    let (readRemote, transfers) = try readBack(transport, count: kilobytes * 1024, statistics: { board.statistics })
    return FlashRow(kb: kilobytes, localClock: inProcess.report.totalTime.seconds, localWall: localWall,
                    remote: remote.report.totalTime.seconds, remoteErase: remote.report.eraseTime.seconds, readLocal: readLocal, readRemote: readRemote, readTransfers: transfers)
}

struct StreamRow { var baud: Int; var inputs: Int; var local: Double; var remote: Double }

/// Inputs per second through the harness at `baud` on an opened VCP.
func stream(_ port: any SerialConnection, baud: Int, inputs count: Int, model: ModelFile) throws -> Double {
    let session = HarnessSession(link: port)
    _ = try session.waitForHello()
    if baud != definition.harness.bootBaud { try session.switchBaud(to: UInt32(baud)) { try port.setBaud(Int($0)) } }
    let samples = (0..<count).map { i in (id: i, input: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: model.summary.inputBytes)) }
    let start = ContinuousClock.now
    try session.run(samples: samples) { _ in }
    return Double(count) / (ContinuousClock.now - start).seconds
}

func measureStream(baud: Int, inputs: Int) throws -> StreamRow {
    let model = try ModelFile.load(path: root.appendingPathComponent("Benchmarks/StreamBenchmark/pool-dense-32x32x3.hilm").path)
    let packed = try FirmwarePacker.pack(model: model, harness: FirmwarePacker.mockHarness(board: definition), board: definition)
    func boot(_ board: MockBoard) {
        for segment in packed.segments { board.target.preload(flash: segment.bytes, at: segment.address) }
        board.target.systemReset()
    }
    let local = MockBoard(chip: chip, probe: .v2_1())
    boot(local)
    let path = try local.attachSerial(MockUARTConfig(board: definition))
    let localPort = try SerialPort(path: path, baud: definition.harness.bootBaud)
    let localRate = try stream(localPort, baud: baud, inputs: inputs, model: model)
    localPort.close()
    local.detachSerial()

    let (server, board, address) = try exported(serial: true)
    defer { server.stop(); board.detachSerial() }
    boot(board)
    let transport = try USBIPProbes.open(address)
    let remotePort = try USBIPSerialPort(device: transport.device, baud: definition.harness.bootBaud)
    defer { remotePort.close() }
    return StreamRow(baud: baud, inputs: inputs, local: localRate,
                     remote: try stream(remotePort, baud: baud, inputs: inputs, model: model))
}

print("USB/IP benchmark: a mock STM32F746G-DISCO in process and exported over USB/IP on loopback (127.0.0.1)")
print("")
let flashRows = try [64, 256, 960].map { try measureFlash(kilobytes: $0) }
print("flash (fresh chip, read-back verify) | in-process: modelled (virtual clock) | in-process: wall | USB/IP: wall | of which erasing | USB/IP ÷ in-process wall | USB/IP ÷ modelled")
for r in flashRows {
    print(String(format: "%d KB | %.2f s | %.3f s | %.2f s | %.2f s | %.1f× | %.2f×",
                 r.kb, r.localClock, r.localWall, r.remote, r.remoteErase, r.remote / r.localWall, r.remote / r.localClock))
}
print("")
print("read the image back (no flash waits) | in-process wall | USB/IP wall | USB/IP ÷ in-process | transfers | USB/IP wall per transfer")
for r in flashRows {
    print(String(format: "%d KB | %.3f s | %.3f s | %.1f× | %d | %.0f µs",
                 r.kb, r.readLocal, r.readRemote, r.readRemote / r.readLocal, r.readTransfers, r.readRemote / Double(r.readTransfers) * 1e6))
}
print("")
print("streaming 3072-byte inputs (negligible inference) | in-process inputs/s | USB/IP inputs/s | USB/IP ÷ in-process | USB/IP input kB/s")
for (baud, n) in [(115_200, 12), (921_600, 80), (2_000_000, 160)] {
    let r = try measureStream(baud: baud, inputs: n)
    print(String(format: "%d baud, %d inputs | %.2f | %.2f | %.3f× | %.2f", r.baud, r.inputs, r.local, r.remote, r.remote / r.local, r.remote * 3.072))
}
