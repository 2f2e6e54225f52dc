/// .npy fixtures, written as numpy.save writes them (numpy/lib/format.py): magic, version, header
/// length, a dict header padded with spaces and ended by "\n" so that the data starts on a
/// 64-byte boundary.
enum NpyWriter {
    static func file(descr: String, shape: [Int], data: [UInt8], version: UInt8 = 1,
                     fortranOrder: Bool = false) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(dims), }".utf8)
        let preamble = version == 1 ? 10 : 12
        while (preamble + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let length = header.count
        out += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return out + header + data
    }

    /// Integers of `size` bytes, two's complement, in the given byte order.
    static func integers(_ values: [Int], size: Int, bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { value in
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
            return bigEndian ? bytes.reversed() : bytes
        }
    }

    static func floats(_ values: [Float], bigEndian: Bool = false) -> [UInt8] {
        integers(values.map { Int($0.bitPattern) }, size: 4, bigEndian: bigEndian)
    }

    /// numpy's '<U{width}': UTF-32 code points, NUL-padded to `width` characters.
    static func unicode(_ values: [String], width: Int, bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { value in
            let codes = value.unicodeScalars.map { Int($0.value) }
            return integers(codes + Array(repeating: 0, count: width - codes.count), size: 4, bigEndian: bigEndian)
        }
    }
}
