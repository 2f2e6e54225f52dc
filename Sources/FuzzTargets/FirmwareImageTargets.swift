import Deployer

/// ELF, Intel HEX and BIN: the three ways a user hands the bench a firmware image.
enum FirmwareImageTargets {
    /// STM32F7 flash base: where a BIN is placed, as `hilctl flash` does by default.
    static let flashBase: UInt32 = 0x0800_0000

    static func elf(_ data: [UInt8]) -> FuzzTarget.Outcome {
        guard let image = try? ImageLoader.parseELF(data, path: "fuzz.elf") else { return .rejected }
        // A segment's bytes come out of the file (two segments may share them, so only each one
        // on its own is bounded by it).
        for s in image.segments {
            FuzzCheck.require(s.bytes.count <= data.count, "an ELF segment of \(s.bytes.count) bytes from a \(data.count)-byte file")
        }
        checkRoundTrips(image)
        return .accepted
    }

    static func intelHex(_ data: [UInt8]) -> FuzzTarget.Outcome {
        guard let image = try? ImageLoader.parseIntelHex(data, path: "fuzz.hex") else { return .rejected }
        checkRoundTrips(image)
        return .accepted
    }

    static func binary(_ data: [UInt8]) -> FuzzTarget.Outcome {
        guard let image = try? ImageLoader.binary(data, base: flashBase, path: "fuzz.bin") else { return .rejected }
        FuzzCheck.require(image.byteCount == data.count, "a BIN of \(data.count) bytes became \(image.byteCount)")
        checkRoundTrips(image)
        return .accepted
    }

    /// The F746's flash with its ITCM alias, as boards/ describes it: the bench's own placement.
    static let f746Flash = FlashRegion(name: "flash of STM32F746NGH6", base: 0x0800_0000, size: 1 << 20, aliases: [0x0020_0000])
    /// Every address: placement's overlap check without the bounds check.
    static let addressSpace = FlashRegion(name: "32-bit address space", base: 0, size: 1 << 32)

    /// What is flashed must not depend on the format it came in: once placed (the step before any
    /// erase, which refuses overlapping segments), the image written as HEX reads back with the same
    /// bytes at the same addresses, and so does its BIN when it is one block.
    private static func checkRoundTrips(_ loaded: FirmwareImage) {
        _ = try? loaded.placed(in: f746Flash)
        guard let image = try? loaded.placed(in: addressSpace) else { return }
        for s in image.segments {
            FuzzCheck.require(s.end <= 1 << 32, "segment at \(s.address) runs past the 32-bit address space")
        }
        let hex = Array(ImageWriter.intelHex(image).utf8)
        guard let back = try? ImageLoader.parseIntelHex(hex, path: "roundtrip.hex") else {
            return FuzzCheck.require(image.segments.isEmpty, "an image we wrote as Intel HEX does not read back")
        }
        FuzzCheck.require(flattened(back) == flattened(image), "Intel HEX round trip changed the image's bytes")
        if let first = image.segments.first, image.segments.count == 1 {
            let bin = ImageWriter.binary(image)
            let again = try? ImageLoader.binary(bin, base: first.address, path: "roundtrip.bin")
            FuzzCheck.require(again.map(flattened) == flattened(image), "BIN round trip changed the image's bytes")
        }
    }

    /// Address → bytes with adjacent segments merged: the same flash contents however the records were cut.
    private static func flattened(_ image: FirmwareImage) -> [[UInt64]] {
        var runs: [(start: UInt64, bytes: [UInt8])] = []
        for s in image.segments.sorted(by: { $0.address < $1.address }) where !s.bytes.isEmpty {
            if let last = runs.last, last.start + UInt64(last.bytes.count) == UInt64(s.address) {
                runs[runs.count - 1].bytes += s.bytes
            } else {
                runs.append((UInt64(s.address), s.bytes))
            }
        }
        return runs.map { [$0.start] + $0.bytes.map(UInt64.init) }
    }
}
