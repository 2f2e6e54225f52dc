/// Where an image may go: the board's main flash, with address aliases that map onto it.
public struct FlashRegion: Sendable, Equatable {
    /// Used in messages after "the", e.g. "flash of STM32F746NGH6".
    public let name: String
    public let base: UInt32
    public let size: Int
    /// Other base addresses of the same memory, e.g. [0x00200000] for the F7's ITCM view of flash.
    /// Segments linked there are translated to `base`.
    public let aliases: [UInt32]

    public init(name: String, base: UInt32, size: Int, aliases: [UInt32] = []) {
        self.name = name
        self.base = base
        self.size = size
        self.aliases = aliases
    }

    /// One past the last byte, in UInt64 so a region ending at 0xFFFFFFFF does not overflow.
    var end: UInt64 { UInt64(base) + UInt64(max(0, size)) }
}

extension FirmwareImage {
    /// Refuses, before anything is erased: segments that overlap each other (naming both), any segment
    /// outside the region (naming the segment, its range and the region's range), and an image larger
    /// than the region (sizes in bytes and KB).
    /// Returns the image with alias addresses translated into the region's base, segments sorted.
    ///
    /// The entry point is left as linked: it is where the CPU jumps, and code linked for the ITCM
    /// alias must run there, even though its bytes are written through the flash address.
    public func placed(in region: FlashRegion) throws(ImageError) -> FirmwareImage {
        let size = UInt64(max(0, region.size))
        let translated = segments.filter { !$0.bytes.isEmpty }.map { segment in
            for alias in region.aliases where alias != region.base {
                let offset = UInt64(segment.address) &- UInt64(alias)
                // Only a segment wholly inside the alias window moves; one straddling its end is
                // reported below as outside the region, with its linked addresses.
                guard segment.address >= alias, offset + UInt64(segment.bytes.count) <= size else { continue }
                return Segment(address: UInt32(UInt64(region.base) + offset), bytes: segment.bytes,
                               origin: segment.origin + ", linked at alias \(Self.hex(segment.address))")
            }
            return segment
        }.sorted { $0.address < $1.address }
        guard !translated.isEmpty else { throw ImageError(path, .nothingToPlace) }

        // Sorted by start, so a segment overlaps an earlier one exactly when it starts before the
        // furthest end seen so far; remembering which segment reached that end names both.
        var furthest = translated[0]
        for segment in translated.dropFirst() {
            if UInt64(segment.address) < furthest.end {
                throw ImageError(path, .overlap(Self.span(furthest), Self.span(segment)))
            }
            if segment.end > furthest.end { furthest = segment }
        }
        // Size before bounds: for a too-big image "larger than flash" is the useful message, not
        // "its end is outside flash".
        let image = FirmwareImage(path: path, format: format, segments: translated, entryPoint: entryPoint)
        guard UInt64(image.byteCount) <= size else {
            throw ImageError(path, .tooLarge(byteCount: image.byteCount, region: region))
        }
        for segment in translated where segment.address < region.base || segment.end > region.end {
            throw ImageError(path, .outside(Self.span(segment), region: region, format: format))
        }
        return image
    }

    private static func span(_ segment: Segment) -> ImageError.Span {
        ImageError.Span(origin: segment.origin, start: UInt64(segment.address), end: segment.end)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
