import CImageDecode
import Foundation

/// An 8-bit image as decoded: rows top to bottom, samples interleaved, `channels` 1 or 3.
package struct PixelImage: Equatable, Sendable {
    package var width: Int
    package var height: Int
    package var channels: Int
    package var pixels: [UInt8]
}

/// PNG and JPEG decoding through CImageDecode (libpng, libjpeg-turbo). The format comes from the
/// first bytes, not the extension; the conversions are documented in hil_image_decode.h and
/// docs/datasets.md.
package enum ImageDecoding {
    package static func decode(_ bytes: Data, path: String) throws(DatasetError) -> PixelImage {
        let kind: DatasetError.ImageKind
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            kind = .png
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            kind = .jpeg
        } else {
            throw DatasetError(path, .notAnImage(firstBytes: Array(bytes.prefix(8))))
        }
        var image = hil_decoded_image()
        // 200 bytes holds any libpng or libjpeg message (JMSG_LENGTH_MAX is 200).
        var message = [CChar](repeating: 0, count: 200)
        let status = bytes.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            return message.withUnsafeMutableBufferPointer { text in
                switch kind {
                case .png: hil_decode_png(base, raw.count, &image, text.baseAddress, text.count)
                case .jpeg: hil_decode_jpeg(base, raw.count, &image, text.baseAddress, text.count)
                }
            }
        }
        defer { hil_decoded_image_free(&image) }
        let why = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case HIL_DECODE_OK:
            let count = Int(image.width) * Int(image.height) * Int(image.channels)
            let pixels = [UInt8](UnsafeBufferPointer(start: image.pixels, count: count))
            return PixelImage(width: Int(image.width), height: Int(image.height), channels: Int(image.channels), pixels: pixels)
        case HIL_DECODE_UNSUPPORTED: throw DatasetError(path, .unsupportedImage(kind, why))
        case HIL_DECODE_TOO_LARGE: throw DatasetError(path, .imageTooLarge(kind))
        case HIL_DECODE_NO_MEMORY: throw DatasetError(path, .outOfMemory)
        default: throw DatasetError(path, .corruptImage(kind, why.isEmpty ? "no reason given" : why))
        }
    }
}
