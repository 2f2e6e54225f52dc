/// Big-endian fields, as every USB/IP header carries them (network byte order; the kernel's
/// Documentation/usb/usbip_protocol.rst). USB descriptors and setup packets inside them stay
/// little endian, as USB defines them; `ByteWriter.le16` is for those.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
    public mutating func u32(_ v: UInt32) {
        bytes += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    public mutating func le16(_ v: UInt16) { bytes += [UInt8(truncatingIfNeeded: v), UInt8(v >> 8)] }
    public mutating func append(_ data: [UInt8]) { bytes += data }

    /// A NUL-padded text field of exactly `size` bytes (path[256], busid[32]); longer text is cut
    /// so that a terminating NUL always remains.
    public mutating func text(_ s: String, size: Int) {
        let utf8 = Array(s.utf8.prefix(size - 1))
        bytes += utf8 + [UInt8](repeating: 0, count: size - utf8.count)
    }
}

/// Reads big-endian fields from a complete message; running past the end is a protocol error,
/// never a crash.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) throws(USBIPProtocolError) -> ArraySlice<UInt8> {
        guard n >= 0, remaining >= n else { throw .truncated(needed: offset + n, got: bytes.count) }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func u8() throws(USBIPProtocolError) -> UInt8 { try take(1).first! }
    public mutating func u16() throws(USBIPProtocolError) -> UInt16 {
        let b = try take(2)
        return UInt16(b[b.startIndex]) << 8 | UInt16(b[b.startIndex + 1])
    }
    public mutating func u32() throws(USBIPProtocolError) -> UInt32 {
        let b = try take(4)
        return b.reduce(0) { $0 << 8 | UInt32($1) }
    }
    public mutating func i32() throws(USBIPProtocolError) -> Int32 { Int32(bitPattern: try u32()) }
    public mutating func bytes(_ n: Int) throws(USBIPProtocolError) -> [UInt8] { Array(try take(n)) }
    /// A NUL-padded text field: the text up to the first NUL.
    public mutating func text(size: Int) throws(USBIPProtocolError) -> String {
        let field = try take(size)
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// A byte sequence that does not follow the protocol: what was expected and what came.
public enum USBIPProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, got: Int)
    case unexpected(String)

    public var description: String {
        switch self {
        case let .truncated(needed, got): return "a USB/IP message ended after \(got) bytes where \(needed) were needed"
        case let .unexpected(what): return what
        }
    }
}
