// Turning HEX data records into segments. Linkers emit records in address order, 16 or 32 bytes
// each, so a 1 MB image is ~65 000 records that must collapse into one or a few segments.

extension IntelHexRecords {
    /// Merges records that touch or overlap into contiguous segments, sorted by address.
    ///
    /// Overlap policy: two records may write the same address only with the same byte. Identical
    /// repeats are accepted (tools that merge HEX files, e.g. a bootloader plus an application sharing
    /// a header, can emit them and they flash the same either way); different bytes are an error
    /// naming both lines, because one of the two images would silently lose.
    func segments(path: String) throws(ImageError) -> [FirmwareImage.Segment] {
        guard !data.isEmpty else { throw ImageError(path, .hexNoData) }

        // Records are usually already in address order; sort (stably, by file order) only if not.
        var order = Array(data.indices)
        if zip(data, data.dropFirst()).contains(where: { $0.address > $1.address }) {
            order.sort { data[$0].address < data[$1].address }
        }

        var segments: [FirmwareImage.Segment] = []
        var runStart: UInt64 = 0
        var runBytes: [UInt8] = []
        var runFirstLine = 0, runLastLine = 0
        var runBegin = 0  // index into `order` of the run's first record, to find lines on conflict

        func flush() {
            let origin = runFirstLine == runLastLine
                ? "HEX record on line \(runFirstLine)"
                : "HEX records from line \(runFirstLine) to \(runLastLine)"
            segments.append(FirmwareImage.Segment(address: UInt32(runStart), bytes: runBytes, origin: origin))
        }

        for (position, index) in order.enumerated() {
            let record = data[index]
            let start = UInt64(record.address), end = start + UInt64(record.count)
            let runEnd = runStart + UInt64(runBytes.count)

            guard position > 0, start <= runEnd else {
                if position > 0 { flush() }
                runStart = start
                runBytes = Array(pool[record.poolStart..<record.poolStart + record.count])
                runFirstLine = record.line
                runLastLine = record.line
                runBegin = position
                continue
            }
            // The part already written by earlier records must agree byte for byte.
            var address = start
            while address < min(end, runEnd) {
                let old = runBytes[Int(address - runStart)]
                let new = pool[record.poolStart + Int(address - start)]
                if old != new {
                    let earlier = earlierLine(covering: address, in: order[runBegin..<position]) ?? runFirstLine
                    let (first, second) = earlier < record.line ? (earlier, record.line) : (record.line, earlier)
                    let (firstByte, secondByte) = earlier < record.line ? (old, new) : (new, old)
                    throw ImageError(path, .hexConflict(firstLine: first, secondLine: second,
                                                        address: UInt32(address), first: firstByte, second: secondByte))
                }
                address += 1
            }
            if end > runEnd {
                runBytes.append(contentsOf: pool[record.poolStart + Int(runEnd - start)..<record.poolStart + record.count])
            }
            runFirstLine = min(runFirstLine, record.line)
            runLastLine = max(runLastLine, record.line)
        }
        flush()
        return segments
    }

    /// The line of a record in `candidates` that wrote `address`. Every record that overlapped it was
    /// checked to agree, so any of them holds the byte that the conflicting record contradicts.
    private func earlierLine(covering address: UInt64, in candidates: ArraySlice<Int>) -> Int? {
        candidates.lazy.map { data[$0] }.first {
            UInt64($0.address) <= address && address < UInt64($0.address) + UInt64($0.count)
        }?.line
    }
}
