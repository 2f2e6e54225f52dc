import STLink

/// What a harness image must be before a board is flashed with it: built for this board (its info
/// block names it), linked for the address the board boots from (a vector table at the harness
/// region's base, its reset vector a Thumb address inside the harness). Each mistake is caught
/// here, on the host, instead of as a board that never says HELLO.
enum HarnessImageCheck {
    static func check(_ harness: FirmwareImage, target board: HarnessTarget) throws(PackError) {
        let layout = board.firmware
        // Another board's harness first: its info block says so, wherever it was linked.
        if let info = findInfoBlock(harness), info.board != board.name {
            throw .harnessForAnotherBoard(image: harness.path, built: info.board, target: board.name)
        }
        let base = layout.harnessRegion.base.value
        guard let sp = word(harness, at: base), let reset = word(harness, at: base + 4) else {
            let lowest = harness.segments.map(\.address).min()
            throw .harnessNotAtBootAddress(image: harness.path, base: base, lowest: lowest, board: board.name)
        }
        let harnessEnd = layout.harnessRegion.end
        guard reset & 1 == 1, UInt64(reset & ~1) >= UInt64(base), UInt64(reset & ~1) < harnessEnd else {
            throw .badResetVector(image: harness.path, reset: reset, base: base, end: UInt32(truncatingIfNeeded: harnessEnd), sp: sp)
        }
        guard findInfoBlock(harness) != nil else {
            throw .notAHarness(image: harness.path, infoBlock: layout.infoBlockAddress)
        }
    }

    /// The little-endian word at `address`, if a segment holds all four bytes.
    static func word(_ image: FirmwareImage, at address: UInt32) -> UInt32? {
        for s in image.segments where address >= s.address && UInt64(address) + 4 <= UInt64(s.address) + UInt64(s.bytes.count) {
            let i = Int(address - s.address)
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(s.bytes[i + $1]) << UInt32(8 * $1) }
        }
        return nil
    }

    /// The first info block ("HILH", word-aligned) in the first 4 KiB of any segment.
    static func findInfoBlock(_ image: FirmwareImage) -> HarnessInfoBlock? {
        for s in image.segments {
            var i = 0
            while i + HarnessInfoBlock.size <= min(s.bytes.count, 4096 + HarnessInfoBlock.size) {
                if let block = HarnessInfoBlock(parsing: Array(s.bytes[i..<(i + HarnessInfoBlock.size)])) { return block }
                i += 4
            }
        }
        return nil
    }
}

extension HarnessInfoBlock {
    /// Reads a block written by `bytes` (or the firmware's info_block.c); nil when it is not one.
    public init?(parsing b: [UInt8]) {
        guard b.count >= Self.size else { return nil }
        let magic = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        guard magic == Self.magic, Int(b[6]) | Int(b[7]) << 8 == Self.size else { return nil }
        func text(_ r: Range<Int>) -> String? {
            let field = b[r].prefix { $0 != 0 }
            guard field.allSatisfy({ (0x20..<0x7F).contains($0) }) else { return nil }
            return String(decoding: field, as: UTF8.self)
        }
        guard let build = text(8..<32), let board = text(32..<64), !board.isEmpty else { return nil }
        self.init(protocolVersion: UInt16(b[4]) | UInt16(b[5]) << 8, buildID: build, board: board)
    }
}
