import Foundation

/// Reads firmware images from files or bytes. Parsing is pure (bytes in, `FirmwareImage` out); only
/// `load` touches the file system.
public enum ImageLoader {
    /// Reads a file; the format comes from `format`, else from content (ELF magic, ':' HEX records),
    /// else the extension (.elf/.axf/.out, .hex/.ihex, .bin).
    /// A BIN needs a base: `binaryBase` (the caller passes the board's flash base when the user gave none).
    public static func load(path: String, format: ImageFormat? = nil, binaryBase: UInt32) throws(ImageError) -> FirmwareImage {
        let bytes = try read(path)
        // Checked before the format, so an empty file gets the same clear message whatever its name.
        guard !bytes.isEmpty else { throw ImageError(path, .empty) }
        // Not `format ?? detectFormat(…)`: the autoclosure of ?? would widen the error to `any Error`.
        let chosen: ImageFormat
        if let format { chosen = format } else { chosen = try detectFormat(bytes, path: path) }
        switch chosen {
        case .elf: return try parseELF(bytes, path: path)
        case .intelHex: return try parseIntelHex(bytes, path: path)
        case .binary: return try binary(bytes, base: binaryBase, path: path)
        }
    }

    /// The whole file, unchanged, at `base`: a raw binary carries no addresses of its own.
    public static func binary(_ bytes: [UInt8], base: UInt32, path: String) throws(ImageError) -> FirmwareImage {
        guard !bytes.isEmpty else { throw ImageError(path, .empty) }
        guard UInt64(base) + UInt64(bytes.count) <= 1 << 32 else {
            throw ImageError(path, .binaryPastAddressSpace(base: base, count: bytes.count))
        }
        let segment = FirmwareImage.Segment(address: base, bytes: bytes, origin: "BIN file")
        return FirmwareImage(path: path, format: .binary, segments: [segment], entryPoint: nil)
    }

    /// Content first, because extensions lie (a .out may be anything); the extension only decides
    /// for content that is neither ELF nor HEX, which in practice means a raw binary.
    static func detectFormat(_ bytes: [UInt8], path: String) throws(ImageError) -> ImageFormat {
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if looksLikeHex(bytes) { return .intelHex }
        let name = path.split(separator: "/").last ?? ""
        let suffix = name.lastIndex(of: ".").map { name[name.index(after: $0)...].lowercased() } ?? ""
        switch suffix {
        case "elf", "axf", "out": return .elf
        case "hex", "ihex": return .intelHex
        case "bin": return .binary
        default: throw ImageError(path, .unknownFormat)
        }
    }

    /// A HEX file starts (after optional blanks) with ':' and at least the ten hex digits of a
    /// record. A binary starting like that is vanishingly unlikely: a vector table begins with a
    /// stack pointer such as 0x20050000, whose first byte is 0x00.
    private static func looksLikeHex(_ bytes: [UInt8]) -> Bool {
        let text = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard text.first == UInt8(ascii: ":") else { return false }
        let digits = text.dropFirst().prefix(10)
        return digits.count == 10 && digits.allSatisfy {
            (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0)
        }
    }

    private static func read(_ path: String) throws(ImageError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError(path, .unreadable("no such file"))
        }
        guard !isDirectory.boolValue else { throw ImageError(path, .unreadable("it is a directory")) }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ImageError(path, .unreadable(error.localizedDescription))
        }
    }
}
