/// The file formats a firmware image can arrive in. The raw values are the usual file extensions,
/// so a `--format hex` option maps straight onto a case.
public enum ImageFormat: String, Sendable, CaseIterable {
    case elf
    case intelHex = "hex"
    case binary = "bin"
}

/// A firmware image reduced to what flashing needs: bytes at load addresses.
///
/// Every reader (ELF, Intel HEX, BIN) produces this same shape, so the deployer never cares where an
/// image came from, and tests can compare the three formats byte for byte.
public struct FirmwareImage: Sendable, Equatable {
    /// A run of bytes that goes to consecutive addresses.
    public struct Segment: Sendable, Equatable {
        /// Where the bytes go in flash: the physical / load address, never a RAM run-time address.
        public let address: UInt32
        public let bytes: [UInt8]
        /// Human words naming where the bytes came from, used in every error about this segment.
        public let origin: String

        public init(address: UInt32, bytes: [UInt8], origin: String) {
            self.address = address
            self.bytes = bytes
            self.origin = origin
        }

        /// One past the last address; UInt64 so that a segment ending at 0xFFFFFFFF does not overflow.
        public var end: UInt64 { UInt64(address) + UInt64(bytes.count) }
    }

    public let path: String
    public let format: ImageFormat
    /// Sorted by address. Readers may merge contiguous pieces from the same source (HEX records).
    public let segments: [Segment]
    /// ELF e_entry, HEX start address (05, or 03 as CS·16+IP), nil for BIN.
    public let entryPoint: UInt32?

    /// Sorts `segments` by address (stably, so equal addresses keep their order for error messages).
    public init(path: String, format: ImageFormat, segments: [Segment], entryPoint: UInt32?) {
        self.path = path
        self.format = format
        self.segments = segments.sorted { $0.address < $1.address }
        self.entryPoint = entryPoint
    }

    /// Sum of segment sizes: the bytes that will be programmed, not the span they cover.
    public var byteCount: Int { segments.reduce(0) { $0 + $1.bytes.count } }
}
