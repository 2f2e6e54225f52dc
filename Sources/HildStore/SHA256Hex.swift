import CHilRuntime
import Foundation
import HilAPI

/// Artifact ids: the lowercase hex SHA-256 of the bytes, computed by the same C code the board
/// uses for the model hash, so a host id and a device hash can be compared directly.
public enum SHA256Hex {
    public static func of(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { raw in
            // An empty Data may have no base address; hil_sha256 treats NULL as the empty message.
            hil_sha256(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &digest)
        }
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True for exactly 64 lowercase hex digits. Anything else (a client's "../x", upper case,
    /// a truncated id) must never reach a path.
    public static func isValid(_ id: ArtifactID) -> Bool {
        let utf8 = id.utf8
        return utf8.count == 64 && utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
