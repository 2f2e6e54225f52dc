import Deployer
import Foundation

/// The two ways test inputs arrive: .npy arrays and image files (PNG, JPEG).
enum DatasetTargets {
    static func npy(_ data: [UInt8]) -> FuzzTarget.Outcome {
        guard let array = try? NpyArray.parse(Data(data), path: "fuzz.npy") else { return .rejected }
        // A dtype the parser does not know has no size to check; the dataset loader refuses it by name.
        guard array.dtype.kind != .other else { return .rejected }
        let size = array.dtype.itemSize
        let (bytes, overflow) = array.elementCount.multipliedReportingOverflow(by: size)
        FuzzCheck.require(!overflow && array.dataStart + bytes <= array.file.count,
                          "the header declares \(array.shape) × \(size) bytes past the end of a \(array.file.count)-byte file")
        // Read the elements as the dataset loader would (the first few thousand: a fuzz run stays quick).
        for i in 0..<min(array.elementCount, 4096) {
            if array.dtype.isInteger { _ = array.integer(i) }
            if array.dtype.kind == .bytes || array.dtype.kind == .unicode { _ = array.string(i) }
        }
        return .accepted
    }

    static func image(_ data: [UInt8]) -> FuzzTarget.Outcome {
        guard let image = try? ImageDecoding.decode(Data(data), path: "fuzz.png") else { return .rejected }
        FuzzCheck.require([1, 3].contains(image.channels), "decoded \(image.channels) channels; the bench hands on 1 or 3")
        FuzzCheck.require(image.width > 0 && image.height > 0, "decoded a \(image.width)×\(image.height) image")
        FuzzCheck.require(image.pixels.count == image.width * image.height * image.channels,
                          "\(image.pixels.count) pixel bytes for \(image.width)×\(image.height)×\(image.channels)")
        return .accepted
    }
}
