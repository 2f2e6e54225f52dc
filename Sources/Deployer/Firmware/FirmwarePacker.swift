import STLink

/// Puts a model into a board's firmware image at the board's model region, so that deploying
/// another model rewrites only those sectors and leaves the harness as it is
/// (docs/firmware-layout.md). Refuses, with the sizes, what would not fit.
public enum FirmwarePacker {
    public static func pack(model: ModelFile, harness: FirmwareImage, board: BoardDefinition) throws(PackError) -> FirmwareImage {
        try pack(model: model, harness: harness, target: board.harnessTarget)
    }

    public static func pack(model: ModelFile, harness: FirmwareImage, target board: HarnessTarget) throws(PackError) -> FirmwareImage {
        try check(model: model, fits: board)
        try HarnessImageCheck.check(harness, target: board)
        let layout = board.firmware
        let s = model.summary
        for segment in harness.segments where UInt64(segment.address) < UInt64(layout.harnessRegion.base.value) || segment.end > layout.harnessRegion.end {
            throw .harnessOutsideRegion(segment: segment.origin, address: segment.address, regionEnd: UInt32(truncatingIfNeeded: layout.harnessRegion.end))
        }
        let modelSegment = FirmwareImage.Segment(address: layout.modelRegion.base.value, bytes: model.blob,
                                                 origin: "model \(s.name) (\(model.path))")
        return FirmwareImage(path: "\(harness.path)+\(model.path)", format: harness.format,
                             segments: harness.segments + [modelSegment], entryPoint: harness.entryPoint)
    }

    /// Refuses, with the sizes, a model whose blob, arena or input does not fit the board: before
    /// any harness is built or read, so the answer comes first.
    public static func check(model: ModelFile, fits board: HarnessTarget) throws(PackError) {
        let s = model.summary
        let f = EvaluationReport.Footprint(model: model, board: board)
        // Its name as well as its path: on hild the path is a content-addressed artifact.
        let named = "model \(s.name) (\(model.path))"
        guard f.modelFits else {
            throw .modelTooLarge(model: named, bytes: f.modelBytes, region: f.modelRegionBytes,
                                 flash: f.boardFlashBytes, board: board.name,
                                 arena: f.arenaBytes, arenaAvailable: f.harnessArenaBytes)
        }
        guard f.arenaFits else {
            throw .arenaTooLarge(model: named, bytes: f.arenaBytes, available: f.harnessArenaBytes, board: board.name)
        }
        guard s.inputBytes <= board.harness.inputBufferBytes else {
            throw .inputTooLarge(model: named, bytes: s.inputBytes, available: board.harness.inputBufferBytes, board: board.name)
        }
    }

    /// The mock board's harness image: a vector table and the info block. The mock runs the harness
    /// compiled for the host, so this is all its flash needs to say "a harness is here"; a real
    /// board gets the harness firmware built from the same C sources instead.
    public static func mockHarness(board: BoardDefinition) -> FirmwareImage {
        mockHarness(target: board.harnessTarget)
    }

    public static func mockHarness(target board: HarnessTarget) -> FirmwareImage {
        let layout = board.firmware
        let base = layout.harnessRegion.base.value
        var bytes = [UInt8](repeating: 0xFF, count: Int(layout.infoBlockOffset.value) + HarnessInfoBlock.size)
        // Initial SP at the top of RAM, reset vector just past the vector table (Thumb bit set).
        let sp: UInt32 = 0x2005_0000, reset = base + layout.infoBlockOffset.value + UInt32(HarnessInfoBlock.size) + 1
        write32(&bytes, 0, sp)
        write32(&bytes, 4, reset)
        let info = HarnessInfoBlock(protocolVersion: 2, buildID: "mock-harness-1", board: board.name).bytes
        bytes.replaceSubrange(Int(layout.infoBlockOffset.value)..<bytes.count, with: info)
        return FirmwareImage(path: "mock harness for \(board.name)", format: .binary,
                             segments: [.init(address: base, bytes: bytes, origin: "mock harness")], entryPoint: reset)
    }

    static func write32(_ bytes: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}

/// The 64-byte block every hil harness image carries at the board's info-block offset, so the
/// bench (and the mock board) can tell a harness from anything else (docs/firmware-layout.md).
public struct HarnessInfoBlock: Sendable, Equatable {
    public static let magic: UInt32 = 0x484C_4948     // "HILH"
    public static let size = 64
    public let protocolVersion: UInt16
    public let buildID: String
    public let board: String

    public var bytes: [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.size)
        FirmwarePacker.write32(&b, 0, Self.magic)
        b[4] = UInt8(protocolVersion & 0xFF); b[5] = UInt8(protocolVersion >> 8)
        b[6] = UInt8(Self.size); b[7] = 0
        for (i, c) in buildID.utf8.prefix(23).enumerated() { b[8 + i] = c }
        for (i, c) in board.utf8.prefix(31).enumerated() { b[32 + i] = c }
        return b
    }
}

public enum PackError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The blob does not fit the model region; `arena`/`arenaAvailable` so the message can say
    /// when the activations would not fit either.
    case modelTooLarge(model: String, bytes: Int, region: Int, flash: Int, board: String, arena: Int, arenaAvailable: Int)
    case arenaTooLarge(model: String, bytes: Int, available: Int, board: String)
    case inputTooLarge(model: String, bytes: Int, available: Int, board: String)
    case harnessOutsideRegion(segment: String, address: UInt32, regionEnd: UInt32)
    case harnessUnreadable(path: String, reason: String)
    case harnessForAnotherBoard(image: String, built: String, target: String)
    case harnessNotAtBootAddress(image: String, base: UInt32, lowest: UInt32?, board: String)
    case badResetVector(image: String, reset: UInt32, base: UInt32, end: UInt32, sp: UInt32)
    case notAHarness(image: String, infoBlock: UInt32)

    public var description: String {
        func kb(_ n: Int) -> String { ByteUnits.describe(n) }
        switch self {
        case let .modelTooLarge(model, bytes, region, flash, board, arena, arenaAvailable):
            let whole = bytes > flash ? ", and the board's whole flash is \(flash) bytes (\(kb(flash)))" : " of its \(kb(flash)) flash"
            let ram = arena > arenaAvailable ? "; its \(arena)-byte (\(kb(arena))) arena is also more than the harness's \(arenaAvailable) bytes (\(kb(arenaAvailable)))" : ""
            return "\(model) is \(bytes) bytes (\(kb(bytes))) but \(board)'s model region holds \(region) bytes (\(kb(region)))\(whole)\(ram); prune or quantise the model further (`hilctl run --host-only` evaluates it without a board)"
        case let .arenaTooLarge(model, bytes, available, board):
            return "\(model) needs a \(bytes)-byte (\(kb(bytes))) activation arena but the harness on \(board) has \(available) bytes (\(kb(available))) of RAM for it; reduce the largest layer's activations"
        case let .inputTooLarge(model, bytes, available, board):
            return "\(model) takes \(bytes)-byte inputs but the harness on \(board) buffers \(available) bytes per input; use a smaller input resolution"
        case let .harnessUnreadable(_, reason):
            return "the harness image cannot be used: \(reason)"
        case let .harnessForAnotherBoard(image, built, target):
            return "\(image) is the harness built for \(built), not for \(target) (its info block says so); build this board's with `make -C boards/firmware \(target)` or leave out --harness"
        case let .harnessNotAtBootAddress(image, base, lowest, board):
            let found = lowest.map { "its lowest segment is at 0x\(hex32($0))" } ?? "it has no segments"
            return "\(image) has no vector table at 0x\(hex32(base)), where \(board) boots from: \(found), so it was linked for another address; link it with boards/firmware/\(board)/memory.ld"
        case let .badResetVector(image, reset, base, end, sp):
            return "\(image)'s vector table at 0x\(hex32(base)) gives the reset handler 0x\(hex32(reset)) (initial SP 0x\(hex32(sp))), which is not a Thumb address inside the harness (0x\(hex32(base))–0x\(hex32(end))): the image was linked for another address or its vector table is broken"
        case let .notAHarness(image, infoBlock):
            return "\(image) has no hil harness info block (expected at 0x\(hex32(infoBlock)), docs/firmware-layout.md): it is not a harness image; build one with `make -C boards/firmware`"
        case let .harnessOutsideRegion(segment, address, regionEnd):
            return "the harness image's segment \(segment) at 0x\(hex32(address)) lies outside the harness region (ending 0x\(hex32(regionEnd))); it would overwrite the model region"
        }
    }
}
