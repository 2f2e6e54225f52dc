import Foundation

/// A NumPy .npy array as stored: dtype, shape and the raw bytes of its elements, read by our own
/// parser (format versions 1.0, 2.0 and 3.0). Only C order is read: a Fortran-order file is
/// refused rather than transposed, so that no one wonders which axis is which.
///
/// The format (numpy/lib/format.py): the magic "\x93NUMPY", a major and a minor version byte,
/// the header length (little-endian u16 in 1.0, u32 in 2.0 and 3.0), then the header, a Python
/// dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (10, 32, 32, 3), }
/// (Latin-1 in 1.0 and 2.0, UTF-8 in 3.0), then the elements.
package struct NpyArray {
    let path: String
    package let dtype: NpyDType
    package let shape: [Int]
    /// The whole file; the elements start at `dataStart`.
    package let file: Data
    package let dataStart: Int

    package var elementCount: Int { shape.reduce(1, *) }

    static func read(_ path: String) throws(DatasetError) -> NpyArray {
        try parse(DatasetFiles.read(path), path: path)
    }

    package static func parse(_ file: Data, path: String) throws(DatasetError) -> NpyArray {
        let bytes = [UInt8](file.prefix(12))
        guard bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else {  // \x93NUMPY
            throw DatasetError(path, .npyNotNumpy(firstBytes: Array(bytes.prefix(8))))
        }
        guard bytes.count >= 10 else { throw DatasetError(path, .npyHeader("the file ends inside the preamble")) }
        let major = bytes[6], minor = bytes[7]
        guard minor == 0, (1...3).contains(major) else { throw DatasetError(path, .npyVersion(major: major, minor: minor)) }
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart else { throw DatasetError(path, .npyHeader("the file ends inside the preamble")) }
        var headerLength = 0
        for (shift, byte) in bytes[8..<headerStart].enumerated() { headerLength |= Int(byte) << (8 * shift) }
        guard file.count >= headerStart + headerLength else {
            throw DatasetError(path, .npyHeader("the header says \(headerLength) bytes but the file ends before"))
        }
        let headerBytes = file[file.startIndex + headerStart..<file.startIndex + headerStart + headerLength]
        let text: String
        if major == 3 {
            guard let utf8 = String(validating: headerBytes, as: UTF8.self) else {
                throw DatasetError(path, .npyHeader("a 3.0 header must be UTF-8"))
            }
            text = utf8
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))  // Latin-1
        }

        let header: PythonLiteral
        do {
            var parser = PythonLiteralParser(text)
            header = try parser.parseWhole()
        } catch {
            throw DatasetError(path, .npyHeader(error.why))
        }
        guard case .dict(let fields) = header else { throw DatasetError(path, .npyHeader("the header is not a dict")) }
        let dtype: NpyDType
        switch fields["descr"] {
        case .string(let descr)?: dtype = NpyDType(descr)
        case .list?: dtype = NpyDType(kind: .other, count: 0, bigEndian: false, descr: "a structured (record) dtype")
        default: throw DatasetError(path, .npyHeader("'descr' is missing or not a string"))
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else {
            throw DatasetError(path, .npyHeader("'fortran_order' is missing or not True/False"))
        }
        guard case .tuple(let dims)? = fields["shape"] else {
            throw DatasetError(path, .npyHeader("'shape' is missing or not a tuple"))
        }
        var shape: [Int] = []
        for dim in dims {
            guard case .int(let n) = dim, n >= 0 else { throw DatasetError(path, .npyHeader("'shape' holds something other than sizes")) }
            shape.append(n)
        }
        if fortran { throw DatasetError(path, .npyFortranOrder) }

        // A dtype we do not understand (objects, structured, datetime) has no size we could check;
        // the caller refuses it by dtype, which is the clearer message.
        let dataStart = headerStart + headerLength
        if dtype.kind == .other { return NpyArray(path: path, dtype: dtype, shape: shape, file: file, dataStart: dataStart) }
        // Overflow-checked: a corrupt shape must not wrap around to a small size.
        var expected = dtype.itemSize
        for n in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: n)
            guard !overflow else { throw DatasetError(path, .npyHeader("the shape \(shape) is impossibly large")) }
            expected = product
        }
        let actual = file.count - dataStart
        guard actual == expected else { throw DatasetError(path, .npyDataSize(expected: expected, actual: actual)) }
        return NpyArray(path: path, dtype: dtype, shape: shape, file: file, dataStart: dataStart)
    }
}

/// A dtype descr such as '<f4', '|u1', '>i8', '<U12'. Sizes in bytes, except for unicode strings,
/// whose count is in characters of 4 bytes (UTF-32).
package struct NpyDType: Equatable {
    package enum Kind: Equatable { case signed, unsigned, float, unicode, bytes, other }
    package let kind: Kind
    package let count: Int
    let bigEndian: Bool
    let descr: String

    init(kind: Kind, count: Int, bigEndian: Bool, descr: String) {
        self.kind = kind
        self.count = count
        self.bigEndian = bigEndian
        self.descr = descr
    }

    /// '=' (native) never appears in files numpy writes; it is taken as little-endian, the byte
    /// order of every machine numpy runs on in practice.
    init(_ descr: String) {
        let scalars = Array(descr.unicodeScalars)
        guard scalars.count >= 2, "<>|=".unicodeScalars.contains(scalars[0]) else {
            self.init(kind: .other, count: 0, bigEndian: false, descr: descr)
            return
        }
        let kind: Kind = switch scalars[1] {
        case "i": .signed
        case "u": .unsigned
        case "f": .float
        case "U": .unicode
        case "S": .bytes
        default: .other
        }
        guard let count = Int(String(String.UnicodeScalarView(scalars[2...]))), count > 0 else {
            self.init(kind: .other, count: 0, bigEndian: false, descr: descr)
            return
        }
        self.init(kind: kind, count: count, bigEndian: scalars[0] == ">", descr: descr)
    }

    package var itemSize: Int { kind == .unicode ? count * 4 : count }

    package var isInteger: Bool { (kind == .signed || kind == .unsigned) && [1, 2, 4, 8].contains(count) }
}

extension NpyArray {
    /// An unsigned integer of `size` bytes at byte `offset` of the elements, in the file's order.
    func unsignedValue(at offset: Int, size: Int) -> UInt64 {
        file.withUnsafeBytes { raw in
            var value: UInt64 = 0
            let base = dataStart + offset
            for k in 0..<size {
                let byte = UInt64(raw[base + (dtype.bigEndian ? k : size - 1 - k)])
                value = value << 8 | byte
            }
            return value
        }
    }

    /// Element i of an integer array, sign-extended. uint64 values past Int64.max clamp (they are
    /// out of range as class indices anyway).
    package func integer(_ i: Int) -> Int64 {
        let size = dtype.count
        let raw = unsignedValue(at: i * size, size: size)
        if dtype.kind == .unsigned { return Int64(clamping: raw) }
        let shift = UInt64(64 - 8 * size)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }

    /// Element i of a string array; nil when its bytes are not text. NumPy pads with NULs.
    package func string(_ i: Int) -> String? {
        let size = dtype.itemSize
        if dtype.kind == .bytes {
            let bytes = file[file.startIndex + dataStart + i * size..<file.startIndex + dataStart + (i + 1) * size]
            return String(validating: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        for k in 0..<dtype.count {
            let code = UInt32(unsignedValue(at: i * size + 4 * k, size: 4))
            if code == 0 { break }
            guard let scalar = Unicode.Scalar(code) else { return nil }
            scalars.append(scalar)
        }
        return String(scalars)
    }
}
