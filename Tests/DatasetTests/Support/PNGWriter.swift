/// A minimal PNG encoder for fixtures: zlib "stored" (uncompressed) blocks, no filtering, exact
/// control over colour type, bit depth, palette, tRNS and interlacing, so that each decoder path
/// is reached on purpose. Written from the PNG specification (ISO/IEC 15948) and RFC 1950/1951.
enum PNGWriter {
    enum ColorType: UInt8 {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        var samples: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    /// `samples` holds width × height × samples-per-pixel values (each < 2^bitDepth), row-major.
    static func encode(width: Int, height: Int, color: ColorType, bitDepth: Int = 8, samples: [Int],
                       palette: [[UInt8]] = [], transparency: [UInt8]? = nil, interlaced: Bool = false) -> [UInt8] {
        precondition(samples.count == width * height * color.samples)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = be32(UInt32(width)) + be32(UInt32(height))
        header += [UInt8(bitDepth), color.rawValue, 0, 0, interlaced ? 1 : 0]
        out += chunk("IHDR", header)
        if !palette.isEmpty { out += chunk("PLTE", palette.flatMap { $0 }) }
        if let transparency { out += chunk("tRNS", transparency) }
        let pixel = { (x: Int, y: Int) in Array(samples[(y * width + x) * color.samples..<(y * width + x + 1) * color.samples]) }
        var raw: [UInt8] = []
        if interlaced {
            // Adam7: (x start, y start, x step, y step) of the seven passes.
            let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            for (x0, y0, dx, dy) in passes {
                let xs = Array(stride(from: x0, to: width, by: dx)), ys = Array(stride(from: y0, to: height, by: dy))
                if xs.isEmpty || ys.isEmpty { continue }
                for y in ys { raw += [0] + pack(xs.flatMap { pixel($0, y) }, bitDepth: bitDepth) }
            }
        } else {
            for y in 0..<height { raw += [0] + pack((0..<width).flatMap { pixel($0, y) }, bitDepth: bitDepth) }
        }
        out += chunk("IDAT", zlibStored(raw))
        out += chunk("IEND", [])
        return out
    }

    /// Samples to scanline bytes: big-endian 16-bit, or 1/2/4-bit packed from the high bit.
    static func pack(_ samples: [Int], bitDepth: Int) -> [UInt8] {
        switch bitDepth {
        case 16: return samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case 8: return samples.map { UInt8($0) }
        default:
            var bytes: [UInt8] = []
            var current = 0, used = 0
            for s in samples {
                current = current << bitDepth | s
                used += bitDepth
                if used == 8 { bytes.append(UInt8(current)); current = 0; used = 0 }
            }
            if used > 0 { bytes.append(UInt8(current << (8 - used))) }
            return bytes
        }
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out += [final, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        return out + be32(adler32(data))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}

/// Shorthands for the common fixtures.
extension PNGWriter {
    /// An 8-bit RGB image of one colour.
    static func solid(width: Int = 4, height: Int = 4, _ r: Int, _ g: Int, _ b: Int) -> [UInt8] {
        encode(width: width, height: height, color: .rgb, samples: Array(repeating: [r, g, b], count: width * height).flatMap { $0 })
    }

    static func gray(width: Int, height: Int, _ values: [Int]) -> [UInt8] {
        encode(width: width, height: height, color: .gray, samples: values)
    }
}
