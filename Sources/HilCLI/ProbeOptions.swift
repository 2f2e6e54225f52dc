import ArgumentParser
import Foundation
import Deployer
import MockBoard
import STLink
import USBIP

/// How to reach a probe: a real one by serial, or a mock board. Shared by every command that
/// talks to a probe.
struct ProbeOptions: ParsableArguments {
    @Option(name: .customLong("probe"), help: ArgumentHelp("Serial number of the ST-LINK to use (see `hilctl probes`), or usbip://HOST[:PORT]/BUSID for one exported over USB/IP (docs/usbip.md).", valueName: "SERIAL|URL"))
    var serial: String?

    @Flag(help: "Use a mock board (an emulated ST-LINK/V2-1 and STM32F746) instead of USB.")
    var mock = false

    @Option(name: .customLong("mock-core"), help: ArgumentHelp("What runs on the mock board: emulated (the flashed firmware on an emulated Cortex-M7; default) or host-harness (the harness compiled for this host: faster, runs no firmware, proves nothing about it).", valueName: "KIND"))
    var mockCoreName = MockCoreKind.emulated.rawValue

    var mockCore: MockCoreKind { MockCoreKind(rawValue: mockCoreName) ?? .emulated }

    @Option(help: ArgumentHelp("File that keeps the mock board's flash between runs (default: $XDG_STATE_HOME/hil/mock-<serial>.flash).", valueName: "FILE"))
    var mockFlash: String?

    @Option(help: ArgumentHelp("The boards/ folder with board and chip descriptions (default: $HIL_BOARDS, ./boards, or next to hilctl).", valueName: "DIR"))
    var boards: String?

    @Option(help: ArgumentHelp("Write every USB transfer (direction, bytes in hex) to FILE.", valueName: "FILE"))
    var usbLog: String?

    mutating func validate() throws {
        _ = try remoteAddress()
        if mock, serial != nil { throw ValidationError("choose one of --mock and --probe") }
        if MockCoreKind(rawValue: mockCoreName) == nil {
            throw ValidationError("--mock-core '\(mockCoreName)' is not one of \(MockCoreKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The USB/IP address when --probe names one, else nil; a malformed one is a usage error.
    func remoteAddress() throws -> USBIPAddress? {
        guard let serial, USBIPAddress.looksLikeAddress(serial) else { return nil }
        do { return try USBIPAddress(parsing: serial) } catch { throw ValidationError("--probe \(error.description)") }
    }

    /// Imports the probe --probe usbip://… names (nil for any other --probe).
    func openRemote() throws -> USBIPTransport? {
        try remoteAddress().map { address throws(ProbeOpenError) in try USBIPProbes.open(address) }
    }

    func catalog() throws -> BoardCatalog {
        if let boards { return try BoardCatalog(directory: URL(fileURLWithPath: boards)) }
        return try BoardCatalog.locate()
    }
}

/// A mock board whose flash outlives the process, like a real board's: loaded from a file at start,
/// written back (atomically) when the command ends.
final class PersistentMockBoard {
    static let defaultSerial = EmulatedProbeConfig.mockSerial(1)
    let board: MockBoard
    let stateFile: URL
    let chip: ChipDescription

    /// `hseHz`: the board's crystal, which an emulated core's clock tree starts from.
    init(chip: ChipDescription, stateFile: String?, hseHz: Int = 25_000_000) throws {
        self.chip = chip
        board = MockBoard(chip: chip, probe: .v2_1(serial: Self.defaultSerial), hseHz: hseHz)
        self.stateFile = URL(fileURLWithPath: stateFile ?? Self.defaultStatePath(serial: Self.defaultSerial))
        if let saved = try? Data(contentsOf: self.stateFile) {
            guard saved.count == chip.flashSize else {
                throw ValidationError("\(self.stateFile.path) holds \(saved.count) bytes, not the \(chip.flashSize) of a mock \(chip.name)'s flash; delete it to start from an erased chip")
            }
            board.target.preload(flash: [UInt8](saved), at: chip.flash.base.value)
        }
    }

    var transport: any USBTransport { board.probe }

    func save() throws {
        let bytes = board.target.flashBytes(at: chip.flash.base.value, count: chip.flashSize)
        try FileManager.default.createDirectory(at: stateFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: stateFile, options: .atomic)
    }

    static func defaultStatePath(serial: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"].map { $0 + "/.local/state" } ?? NSTemporaryDirectory())
        return base + "/hil/mock-\(serial).flash"
    }
}
