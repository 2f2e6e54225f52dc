/// Decoded image -> the model's H×W×C in 8-bit pixels, in the order a torchvision pipeline does it:
/// convert the channels (PIL's convert("L") / convert("RGB")), then resize the whole image to H×W
/// (aspect ratio not kept, nothing cropped: Resize((H, W))). The caller then quantises.
enum PixelTransform {
    static func prepare(_ image: PixelImage, height: Int, width: Int, channels: Int) -> [UInt8] {
        var image = image
        // Gray first, so the resize has a third of the work; gray -> RGB after the resize, where
        // it is the same (replication commutes with resizing) and cheaper.
        if channels == 1 && image.channels == 3 { image = toGray(image) }
        var pixels = resize(image, height: height, width: width)
        if channels == 3 && image.channels == 1 { pixels = replicate(pixels) }
        return pixels
    }

    /// ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, in 16-bit fixed point with rounding:
    /// (19595 R + 38470 G + 7471 B + 32768) >> 16, the arithmetic of PIL's convert("L"). The
    /// weights sum to 65536, so a gray pixel (v, v, v) stays v.
    static func toGray(_ image: PixelImage) -> PixelImage {
        let count = image.width * image.height
        let gray = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in 0..<count {
                    let r = UInt32(rgb[3 * i]), g = UInt32(rgb[3 * i + 1]), b = UInt32(rgb[3 * i + 2])
                    out[i] = UInt8((19595 * r + 38470 * g + 7471 * b + 32768) >> 16)
                }
            }
            initialized = count
        }
        return PixelImage(width: image.width, height: image.height, channels: 1, pixels: gray)
    }

    static func replicate(_ gray: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: gray.count * 3) { out, initialized in
            for (i, v) in gray.enumerated() {
                out[3 * i] = v
                out[3 * i + 1] = v
                out[3 * i + 2] = v
            }
            initialized = gray.count * 3
        }
    }

    /// Separable: each axis on its own, shrinking by area averaging (box filter) and growing by
    /// bilinear interpolation (see `Taps`). The horizontal pass keeps Float sums, so there is one
    /// rounding, at the end: half up to the nearest 8-bit value. A 4×4 image shrunk to 2×2 gives
    /// exactly the rounded means of its 2×2 blocks. Same-size axes are copied unchanged.
    static func resize(_ image: PixelImage, height: Int, width: Int) -> [UInt8] {
        if image.width == width && image.height == height { return image.pixels }
        let c = image.channels
        let columns = Taps(input: image.width, output: width)
        let rows = Taps(input: image.height, output: height)
        let inRowLength = image.width * c, rowLength = width * c

        // Raw pointers throughout: this is the one hot loop of loading, and unoptimised (debug)
        // Swift pays for every checked subscript; with pointers a 200×200 image takes ~1 ms.
        // Horizontal: image.height rows of `width` pixels, as Float sums.
        var wide = [Float](repeating: 0, count: image.height * rowLength)
        image.pixels.withUnsafeBufferPointer { source in
            wide.withUnsafeMutableBufferPointer { out in
                columns.withTaps { starts, sources, weights in
                    // while loops, not for-in over ranges: without optimisation a range's iterator
                    // costs more than the arithmetic. Float(Int(p)), not Float(p): Float has no
                    // UInt8 initialiser, and the generic BinaryInteger one is slow unoptimised.
                    var y = 0
                    while y < image.height {
                        let inRow = source.baseAddress! + y * inRowLength
                        var o = out.baseAddress! + y * rowLength
                        var x = 0
                        while x < width {
                            var k = starts[x]
                            let end = starts[x + 1]
                            var a0: Float = 0, a1: Float = 0, a2: Float = 0
                            while k < end {
                                let w = weights[k], p = inRow + sources[k] * c
                                a0 += w * Float(Int(p[0]))
                                if c == 3 {
                                    a1 += w * Float(Int(p[1]))
                                    a2 += w * Float(Int(p[2]))
                                }
                                k += 1
                            }
                            o[0] = a0
                            if c == 3 {
                                o[1] = a1
                                o[2] = a2
                            }
                            o += c
                            x += 1
                        }
                        y += 1
                    }
                }
            }
        }
        // Vertical: `height` rows from weighted sums of whole wide rows.
        return [UInt8](unsafeUninitializedCapacity: height * rowLength) { out, initialized in
            var sums = [Float](repeating: 0, count: rowLength)
            wide.withUnsafeBufferPointer { wide in
                sums.withUnsafeMutableBufferPointer { sums in
                    rows.withTaps { starts, sources, weights in
                        for y in 0..<height {
                            sums.update(repeating: 0)
                            var k = starts[y]
                            while k < starts[y + 1] {
                                let w = weights[k], p = wide.baseAddress! + sources[k] * rowLength
                                var i = 0
                                while i < rowLength {
                                    sums[i] += w * p[i]
                                    i += 1
                                }
                                k += 1
                            }
                            let o = out.baseAddress! + y * rowLength
                            for i in 0..<rowLength {
                                o[i] = UInt8(min(255, max(0, sums[i].rounded(.toNearestOrAwayFromZero))))
                            }
                        }
                    }
                }
            }
            initialized = height * rowLength
        }
    }
}

/// For one axis, the source pixels and weights of each output pixel, flattened.
///
/// Shrinking (output ≤ input), area averaging: output pixel i covers source interval
/// [i·s, (i+1)·s) with s = input/output; each source pixel j weighs |[j, j+1) ∩ that interval| / s.
/// This is PIL's BOX filter and OpenCV's INTER_AREA. It is not torchvision's default (bilinear
/// with antialias, a triangle filter twice as wide), so a pixel can differ by a few levels from a
/// training pipeline that used it; for a model's accuracy that is noise, and the box filter has
/// an exact, checkable definition.
///
/// Growing (output > input), bilinear with half-pixel centres (align_corners=False, as PIL,
/// OpenCV and torchvision): output pixel i samples source position (i + 0.5)·input/output − 0.5,
/// clamped to [0, input − 1], between its two neighbours.
///
/// Weights are computed in Double and stored as Float.
struct Taps {
    private(set) var sources: [Int] = []
    private(set) var weights: [Float] = []
    private var starts: [Int] = [0]

    init(input: Int, output: Int) {
        let ratio = Double(input) / Double(output)
        for i in 0..<output {
            if output <= input {
                let low = Double(i) * ratio, high = Double(i + 1) * ratio
                var j = Int(low.rounded(.down))
                while j < input && Double(j) < high {
                    let overlap = min(high, Double(j + 1)) - max(low, Double(j))
                    if overlap > 0 { append(j, overlap / ratio) }
                    j += 1
                }
            } else {
                let position = min(Double(input - 1), max(0, (Double(i) + 0.5) * ratio - 0.5))
                let left = Int(position.rounded(.down))
                let fraction = position - Double(left)
                append(left, 1 - fraction)
                if fraction > 0 { append(min(left + 1, input - 1), fraction) }
            }
            starts.append(sources.count)
        }
    }

    private mutating func append(_ source: Int, _ weight: Double) {
        sources.append(source)
        weights.append(Float(weight))
    }

    /// The three tables as pointers, for the resize loops: output pixel i uses entries
    /// starts[i] ..< starts[i + 1] of sources and weights.
    func withTaps<R>(_ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>) -> R) -> R {
        starts.withUnsafeBufferPointer { starts in
            sources.withUnsafeBufferPointer { sources in
                weights.withUnsafeBufferPointer { weights in
                    body(starts.baseAddress!, sources.baseAddress!, weights.baseAddress!)
                }
            }
        }
    }
}
