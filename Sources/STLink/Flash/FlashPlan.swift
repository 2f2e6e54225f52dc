/// Bytes to put at an address in flash. The STLink layer knows nothing of file formats; the
/// Deployer turns an image into these.
public struct FlashData: Sendable, Equatable {
    public let address: UInt32
    public let bytes: [UInt8]
    public init(address: UInt32, bytes: [UInt8]) {
        self.address = address
        self.bytes = bytes
    }
    public var end: UInt64 { UInt64(address) + UInt64(bytes.count) }
}

/// The image cut along sector boundaries: which sectors it touches and what goes into each.
struct FlashPlan {
    struct SectorWork {
        let sector: ChipDescription.Sector
        /// Pieces inside this sector, sorted, not overlapping.
        var pieces: [FlashData]
        var byteCount: Int { pieces.reduce(0) { $0 + $1.bytes.count } }
    }

    let sectors: [SectorWork]
    var byteCount: Int { sectors.reduce(0) { $0 + $1.byteCount } }

    /// Refuses overlaps and anything outside the flash before a single byte is erased.
    init(data: [FlashData], sectors all: [ChipDescription.Sector]) throws(FlashError) {
        let pieces = data.filter { !$0.bytes.isEmpty }.sorted { $0.address < $1.address }
        guard let first = all.first, let last = all.last else {
            throw .outsideFlash(address: pieces.first?.address ?? 0, count: 0, flashStart: 0, flashEnd: 0)
        }
        for (i, piece) in pieces.enumerated() {
            guard piece.address >= first.address, piece.end <= UInt64(last.end) else {
                throw .outsideFlash(address: piece.address, count: piece.bytes.count, flashStart: first.address, flashEnd: last.end)
            }
            if i > 0, UInt64(piece.address) < pieces[i - 1].end { throw .overlapping(address: piece.address) }
        }
        var work: [SectorWork] = []
        for sector in all {
            var inside: [FlashData] = []
            for piece in pieces where UInt64(piece.address) < UInt64(sector.end) && piece.end > UInt64(sector.address) {
                let start = max(piece.address, sector.address)
                let end = min(piece.end, UInt64(sector.end))
                let from = Int(start - piece.address), to = Int(end - UInt64(piece.address))
                inside.append(FlashData(address: start, bytes: Array(piece.bytes[from..<to])))
            }
            if !inside.isEmpty { work.append(SectorWork(sector: sector, pieces: inside)) }
        }
        sectors = work
    }
}

extension FlashPlan.SectorWork {
    /// The pieces widened to whole accesses of `width` bytes and joined where they would share an
    /// access; the filler is the erased value, so programming it changes nothing.
    func programRuns(width: Int, erased: UInt8) -> [FlashData] {
        var runs: [(start: UInt32, bytes: [UInt8])] = []
        let w = UInt32(width)
        for piece in pieces {
            let start = piece.address / w * w
            var bytes = [UInt8](repeating: erased, count: Int(piece.address - start)) + piece.bytes
            bytes += [UInt8](repeating: erased, count: (width - bytes.count % width) % width)
            if let last = runs.last, UInt64(start) <= UInt64(last.start) + UInt64(last.bytes.count) {
                // Shares (or touches) the previous run: merge, laying the new bytes over the filler.
                var merged = last.bytes
                let offset = Int(start - last.start)
                let needed = offset + bytes.count
                if merged.count < needed { merged += [UInt8](repeating: erased, count: needed - merged.count) }
                for (i, b) in bytes.enumerated() where b != erased || i + offset >= last.bytes.count {
                    merged[offset + i] = b
                }
                runs[runs.count - 1].bytes = merged
            } else {
                runs.append((start, bytes))
            }
        }
        return runs.map { FlashData(address: $0.start, bytes: $0.bytes) }
    }
}
