import Deployer

/// Turns fuzz bytes into a harness byte stream. CRCs and COBS would stop almost every mutation at
/// the framing layer, so the first byte picks the shape: even, the bytes are the stream as is
/// (line noise, truncations, bit flips); odd, they are records `type, seq lo, length, payload…`
/// made into well-formed frames, with a raw byte of noise after some, so the parsers behind the
/// framing see every payload the fuzzer can think of.
struct FrameStream {
    var wire: [UInt8] = []
    /// The frames put on the wire intact, in order: what a decoder must give back.
    var frames: [Frame] = []
    /// Where the stream is cut into reads (a UART delivers bytes in arbitrary chunks).
    var chunkSizes: [Int] = []

    init(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let body = data.dropFirst()
        chunkSizes = [1 + Int(mode >> 1 & 0x3F)]
        guard mode & 1 == 1 else { wire = Array(body); return }
        var i = body.startIndex
        while i + 3 <= body.endIndex {
            let type = body[i], seq = UInt16(body[i + 1]), length = Int(body[i + 2])
            let end = min(i + 3 + length, body.endIndex)
            let frame = Frame(type: type, seq: seq, payload: Array(body[(i + 3)..<end]))
            wire += frame.wireBytes
            frames.append(frame)
            i = end
            // A type with bit 6 set is followed by a noise byte: the decoder must drop it between frames.
            if type & 0x40 != 0, i < body.endIndex, body[i] != 0 {
                wire += [body[i], 0]
                i += 1
            }
        }
    }

    /// The wire in reads of the chosen size.
    var chunks: [ArraySlice<UInt8>] {
        let size = chunkSizes.first ?? 1
        return stride(from: 0, to: wire.count, by: size).map { wire[$0..<min($0 + size, wire.count)] }
    }
}
