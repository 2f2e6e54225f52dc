// Flash benchmark on the mock board: prints figures and ratios; it is not a test.
//
//   swift run -c release flash-benchmark [--json]
//
// For each image size and probe it flashes a fresh (erased) mock STM32F746, then flashes the same
// image again, and reports time on the mock's virtual clock (which models USB, SWD and the flash
// controller's datasheet timings), USB traffic, and the ratio of the total time to the time the
// flash controller itself was busy erasing and programming the same sectors.
import Foundation
import Deployer
import MockBoard
import STLink

struct Row: Codable {
    var probe: String
    var swdKHz: Int
    var imageKB: Int
    var sectorsErased: Int
    var totalSeconds: Double
    var checkSeconds: Double
    var eraseSeconds: Double
    var programSeconds: Double
    var verifySeconds: Double
    var controllerBusySeconds: Double
    var ratioTotalToController: Double
    var ratioFlashPhasesToController: Double
    var usbTransfers: Int
    var usbBytes: Int
    var transfersPerKB: Double
    var usbBytesPerKB: Double
    var programKBps: Double
    var secondFlashSeconds: Double
    var secondFlashErases: Int
}

func boardsDirectory() -> URL {
    if let dir = try? BoardsDirectory.locate() { return dir }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("boards")
}

func pattern(_ count: Int) -> [UInt8] {
    var state: UInt32 = 0x1234_5678
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}

func measure(kb: Int, probeConfig: EmulatedProbeConfig, chip: ChipDescription, identifier: TargetIdentifier) throws -> Row {
    let board = MockBoard(chip: chip, probe: probeConfig)
    let probe = STLinkProbe(transport: board.probe)
    try probe.open()
    try probe.setSWDFrequency(kHz: FlashRequest.defaultSWDKHz)   // what `hilctl flash` asks for
    let target = try identifier.identify(probe)
    let image = [FlashData(address: chip.flash.base.value, bytes: pattern(kb * 1024))]
    let before = board.statistics
    let report = try Flasher(probe: probe, target: target).flash(image)
    let after = board.statistics
    let transfers = (after.transfersOut + after.transfersIn) - (before.transfersOut + before.transfersIn)
    let bytes = (after.bytesOut + after.bytesIn) - (before.bytesOut + before.bytesIn)
    let busy = (after.flashBusyTime - before.flashBusyTime).seconds
    let second = try Flasher(probe: probe, target: target).flash(image)
    return Row(
        probe: probeConfig.model.name, swdKHz: probe.swdFrequencyKHz ?? 0, imageKB: kb, sectorsErased: report.sectorsErased.count,
        totalSeconds: report.totalTime.seconds, checkSeconds: report.checkTime.seconds,
        eraseSeconds: report.eraseTime.seconds, programSeconds: report.programTime.seconds,
        verifySeconds: report.verifyTime.seconds, controllerBusySeconds: busy,
        ratioTotalToController: report.totalTime.seconds / busy,
        ratioFlashPhasesToController: (report.eraseTime + report.programTime).seconds / busy,
        usbTransfers: transfers, usbBytes: bytes,
        transfersPerKB: Double(transfers) / Double(kb), usbBytesPerKB: Double(bytes) / Double(kb),
        programKBps: Double(kb) / report.programTime.seconds,
        secondFlashSeconds: second.totalTime.seconds, secondFlashErases: second.sectorsErased.count)
}

let json = CommandLine.arguments.contains("--json")
let boards = boardsDirectory()
let chip = try ChipDescription.load(from: boards.appendingPathComponent("chips/stm32f74x.json"))
let identifier = try TargetIdentifier(boardsDirectory: boards)
var rows: [Row] = []
let wall = ContinuousClock.now
for config in [EmulatedProbeConfig.v2_1(), .v3()] {
    for kb in [64, 256, 960] {
        rows.append(try measure(kb: kb, probeConfig: config, chip: chip, identifier: identifier))
    }
}

if json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
} else {
    print("Flash benchmark: mock STM32F746 (x32, 3.3 V), hilctl's default SWD clock; times on the mock's virtual clock")
    let header = ["probe", "SWD kHz", "image", "erased", "total s", "check", "erase", "program", "verify", "ctrl busy s",
                  "total/ctrl", "(erase+prog)/ctrl", "USB xfers", "xfers/KB", "USB B/KB", "prog KB/s", "2nd flash s"]
    print(header.joined(separator: " | "))
    for r in rows {
        let cells = [r.probe, "\(r.swdKHz)", "\(r.imageKB) KB", "\(r.sectorsErased)",
                     String(format: "%.3f", r.totalSeconds), String(format: "%.3f", r.checkSeconds),
                     String(format: "%.3f", r.eraseSeconds), String(format: "%.3f", r.programSeconds),
                     String(format: "%.3f", r.verifySeconds), String(format: "%.3f", r.controllerBusySeconds),
                     String(format: "%.3f", r.ratioTotalToController), String(format: "%.3f", r.ratioFlashPhasesToController),
                     "\(r.usbTransfers)", String(format: "%.2f", r.transfersPerKB), String(format: "%.0f", r.usbBytesPerKB),
                     String(format: "%.1f", r.programKBps), String(format: "%.3f", r.secondFlashSeconds)]
        print(cells.joined(separator: " | "))
    }
    let elapsed = ContinuousClock.now - wall
    FileHandle.standardError.write(Data("(wall time for the whole benchmark: \(String(format: "%.1f", elapsed.seconds)) s)\n".utf8))
}
