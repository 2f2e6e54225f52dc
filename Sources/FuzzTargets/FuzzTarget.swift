/// The parsers of untrusted bytes, each wrapped as a fuzz target: what a board, a file a user
/// hands us, a USB/IP peer, a GDB stub or an API client can put in front of hil.
///
/// A target feeds the bytes to the parser and then checks what a caller relies on (a round trip
/// gives the same value back, an accepted model runs inside its own arena, a decoded header fits
/// the file). A broken check is a crash (`FuzzCheck.require`), which is what libFuzzer reports.
/// The same functions replay the committed corpus and every crash input under `swift test`
/// (Tests/FuzzTests), and are linked into `hil-fuzz` (Sources/hil-fuzz, `scripts/fuzz`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case elf
    case intelHex = "ihex"
    case binary = "bin"
    case model = "hilm"
    case npy
    case image
    case hostFrames = "host-frames"
    case deviceFrames = "device-frames"
    case usbip
    case gdbRSP = "gdb-rsp"
    case apiJSON = "api-json"

    /// What the parser made of the input: refusing it is a correct outcome, not a failure.
    public enum Outcome: Equatable, Sendable {
        case accepted
        case rejected
    }

    /// What the target covers, for `hil-fuzz --list` and docs/reliability.md.
    public var summary: String {
        switch self {
        case .elf: "ELF32 firmware images (ImageLoader.parseELF): segments inside the file, re-encoded as BIN and HEX they read back equal"
        case .intelHex: "Intel HEX images (ImageLoader.parseIntelHex): written back as HEX they read back equal"
        case .binary: "raw BIN images at the flash base (ImageLoader.binary): BIN and HEX round trips"
        case .model: ".hilm models (the C runtime's hil_model_load, as the board runs it, and ModelFile): an accepted model runs hil_invoke inside its own arena"
        case .npy: ".npy arrays (NpyArray.parse): the declared elements lie inside the file and every one reads"
        case .image: "PNG and JPEG samples (libpng, libjpeg behind ImageDecoding): pixels match the decoded size"
        case .hostFrames: "the host's side of the harness wire (FrameDecoder, DeviceMessage, HelloInfo): garbage is dropped and counted, valid frames parse"
        case .deviceFrames: "the device's side of the harness wire (CHarness, the code the firmware runs): any host byte stream, and every frame it answers is valid"
        case .usbip: "USB/IP messages (OP headers, device records, URB headers, setup packets, descriptors, CDC line coding): re-encoded they decode equal"
        case .gdbRSP: "GDB remote serial protocol (RSP escapes, run lengths, hex, stop replies): escape/unescape and frame round trips"
        case .apiJSON: "the API's JSON request bodies (JobSpec through APIJSON's decoder): re-encoded they decode equal"
        }
    }

    /// Runs the input through the target's parser and its checks.
    public func run(_ data: [UInt8]) -> Outcome {
        switch self {
        case .elf: FirmwareImageTargets.elf(data)
        case .intelHex: FirmwareImageTargets.intelHex(data)
        case .binary: FirmwareImageTargets.binary(data)
        case .model: ModelTarget.run(data)
        case .npy: DatasetTargets.npy(data)
        case .image: DatasetTargets.image(data)
        case .hostFrames: HostFrameTarget.run(data)
        case .deviceFrames: DeviceFrameTarget.run(data)
        case .usbip: USBIPTarget.run(data)
        case .gdbRSP: GDBPacketTarget.run(data)
        case .apiJSON: APIBodyTarget.run(data)
        }
    }
}

/// A fuzz check that failed is a bug in hil, not in the input: trap with what was expected, so
/// libFuzzer keeps the input as a crash and `swift test` names the check.
enum FuzzCheck {
    static func require(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String,
                        file: StaticString = #fileID, line: UInt = #line) {
        if !condition() { fatalError("fuzz check failed: \(what())", file: file, line: line) }
    }
}
