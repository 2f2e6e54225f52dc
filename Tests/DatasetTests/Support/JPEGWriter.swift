import CJPEG
import Foundation

/// JPEG fixtures through libjpeg-turbo's compression API. Quality 100 and no chroma subsampling
/// (4:4:4), so that flat 8×8-aligned colour blocks come back within a level or two.
enum JPEGWriter {
    enum Space { case gray, rgb, cmyk }

    /// `samples`: width × height × (1, 3 or 4) bytes, row-major.
    static func encode(width: Int, height: Int, space: Space, samples: [UInt8], quality: Int32 = 100) -> [UInt8] {
        let components = space == .gray ? 1 : space == .rgb ? 3 : 4
        precondition(samples.count == width * height * components)
        let errors = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
        defer { errors.deallocate(); cinfo.deallocate() }
        cinfo.pointee.err = jpeg_std_error(errors)
        // libjpeg's default would exit(); a fixture writer failing is a bug in this file.
        errors.pointee.error_exit = { _ in fatalError("libjpeg failed while writing a test fixture") }
        jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        defer { jpeg_destroy_compress(cinfo) }

        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        jpeg_mem_dest(cinfo, &buffer, &size)
        cinfo.pointee.image_width = JDIMENSION(width)
        cinfo.pointee.image_height = JDIMENSION(height)
        cinfo.pointee.input_components = Int32(components)
        cinfo.pointee.in_color_space = space == .gray ? JCS_GRAYSCALE : space == .rgb ? JCS_RGB : JCS_CMYK
        jpeg_set_defaults(cinfo)
        jpeg_set_quality(cinfo, quality, 1)
        for c in 0..<Int(cinfo.pointee.num_components) {
            cinfo.pointee.comp_info[c].h_samp_factor = 1
            cinfo.pointee.comp_info[c].v_samp_factor = 1
        }
        jpeg_start_compress(cinfo, 1)
        var rowBytes = samples
        rowBytes.withUnsafeMutableBufferPointer { pixels in
            while cinfo.pointee.next_scanline < cinfo.pointee.image_height {
                var row: JSAMPROW? = pixels.baseAddress! + Int(cinfo.pointee.next_scanline) * width * components
                jpeg_write_scanlines(cinfo, &row, 1)
            }
        }
        jpeg_finish_compress(cinfo)
        let bytes = [UInt8](UnsafeBufferPointer(start: buffer, count: Int(size)))
        free(buffer)
        return bytes
    }

    /// A 16×16 RGB image of four flat 8×8 blocks: red, green, blue, gray 200.
    static let quadrantColours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 200, 200]]

    static func quadrants() -> [UInt8] {
        var samples: [UInt8] = []
        for y in 0..<16 {
            for x in 0..<16 { samples += quadrantColours[(y / 8) * 2 + x / 8] }
        }
        return encode(width: 16, height: 16, space: .rgb, samples: samples)
    }
}
