import ArgumentParser
import Foundation
import Deployer
import STLink

/// `hilctl flash IMAGE`: put a firmware image on a board through its ST-LINK (or on a mock board).
struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash", abstract: "Flash an ELF, Intel HEX or BIN image onto a board.")

    @Argument(help: "The firmware image (.elf, .hex or .bin).") var image: String
    @OptionGroup var probe: ProbeOptions
    @Option(help: ArgumentHelp("Load address of a BIN image (default: the chip's flash base, 0x08000000).", valueName: "ADDR"))
    var base: String?
    @Option(help: ArgumentHelp("Image format when the file name and content do not say: elf, hex or bin.", valueName: "FORMAT"))
    var format: String?
    @Option(help: ArgumentHelp("The board that must be on the other end (e.g. stm32f746g-disco); refused if the probe finds another chip.", valueName: "BOARD"))
    var board: String?
    @Flag(help: "Do not read the flash back after programming.") var noVerify = false
    @Flag(help: "Erase and program every sector the image touches, even those that already match.") var force = false
    @Flag(help: "Hold NRST low while connecting (for firmware that sleeps or reconfigures the SWD pins).") var connectUnderReset = false
    @Flag(help: "Leave the core halted after flashing instead of resetting it to run.") var noReset = false
    @Option(help: ArgumentHelp("SWD clock in kHz; the probe uses the fastest it offers not above this (V2: 4000 at most, V3: 24000). Lower it for long or noisy SWD wiring.", valueName: "KHZ"))
    var swdKhz: Int = FlashRequest.defaultSWDKHz
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        if let base, parseAddress(base) == nil {
            throw ValidationError("--base '\(base)' is not an address; write it like 0x08000000")
        }
        if let format, ImageFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format '\(format)' is not one of elf, hex, bin")
        }
        if swdKhz <= 0 { throw ValidationError("--swd-khz must be a positive number of kHz") }
    }

    func run() throws {
        let catalog = try probe.catalog()
        var request = FlashRequest(imagePath: image)
        request.format = format.flatMap { ImageFormat(rawValue: $0.lowercased()) }
        request.binaryBase = base.flatMap(parseAddress)
        request.board = board
        request.verify = !noVerify
        request.skipUnchanged = !force
        request.connectUnderReset = connectUnderReset
        request.resetAfter = !noReset
        request.swdKHz = swdKhz

        var mock: PersistentMockBoard?
        var transport: any USBTransport
        do {
            if probe.mock {
                let b = try catalog.board(named: board ?? "stm32f746g-disco")
                mock = try PersistentMockBoard(chip: catalog.chip(for: b), stateFile: probe.mockFlash)
                transport = mock!.transport
            } else if let remote = try probe.openRemote() {
                transport = remote
            } else {
                transport = try LibUSBProbes.open(serial: probe.serial)
            }
        } catch let error as ProbeOpenError {
            note("error: \(error)")
            throw ExitCode(ExitStatus.infrastructure)
        }
        if let path = probe.usbLog { transport = try LoggingTransport(wrapping: transport, path: path) }

        let bar = ProgressBar(virtualClock: probe.mock)
        let outcome: FlashOutcome
        do {
            outcome = try FlashDeployment(catalog: catalog).run(request, transport: transport, progress: bar.update, note: { note($0) })
            bar.finish()
        } catch {
            bar.finish()
            note("error: \(error)")
            try? mock?.save()     // what the mock's flash holds now is what a real board would hold
            throw ExitCode(error.isInfrastructure ? ExitStatus.infrastructure : ExitStatus.refused)
        }
        try mock?.save()
        print(json ? try FlashSummary(outcome, mock: probe.mock).json() : FlashSummary(outcome, mock: probe.mock).line)
    }
}

/// The result of a flash as one line, or as JSON.
struct FlashSummary: Codable {
    var image: String
    var probe: String
    var serial: String
    var target: String
    var bytes: Int
    var sectorsErased: [Int]
    var sectorsUnchanged: [Int]
    var parallelism: String
    var targetVolts: Double?
    var verified: Bool
    var seconds: Double
    var eraseSeconds: Double
    var programSeconds: Double
    var verifySeconds: Double
    var programKBps: Double
    var virtualTime: Bool

    init(_ o: FlashOutcome, mock: Bool) {
        let r = o.report
        image = o.image.path; probe = o.probe.model.name; serial = o.probe.serial; target = o.target.summary
        bytes = r.bytes; sectorsErased = r.sectorsErased; sectorsUnchanged = r.sectorsUnchanged
        parallelism = r.parallelism; targetVolts = r.targetVoltage; verified = r.verified
        seconds = r.totalTime.seconds; eraseSeconds = r.eraseTime.seconds
        programSeconds = r.programTime.seconds; verifySeconds = r.verifyTime.seconds
        programKBps = r.programTime > .zero ? Double(r.bytesProgrammed) / 1024 / r.programTime.seconds : 0
        virtualTime = mock
    }

    var line: String {
        let clock = virtualTime ? " on the mock board's virtual clock" : ""
        if sectorsErased.isEmpty {
            return "\(image): up to date on \(serial) (\(bytes) bytes already in flash, nothing erased) in \(String(format: "%.2f", seconds)) s\(clock)"
        }
        let verify = verified ? "verified" : "NOT verified"
        return String(format: "%@: %d bytes flashed to %@ (%@), %d sector(s) erased, %d unchanged, %@ at %.1f KB/s, %@, %.2f s%@",
                      image, bytes, serial, parallelism, sectorsErased.count, sectorsUnchanged.count,
                      "programmed", programKBps, verify, seconds, clock)
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// "0x08000000", "134217728".
func parseAddress(_ text: String) -> UInt32? {
    HexNumber.parse(text) ?? UInt32(text)
}
