/// Why a dataset cannot be loaded. Thrown by `Dataset.load` and `LabelMap.load` before anything is
/// sent to a board.
///
/// A struct around an enum, as `ImageError`: new reasons can be added without breaking callers'
/// exhaustive switches. Callers read `description` (and `path`); tests match `reason`.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or folder the error is about, as the caller's path led to it.
    public let path: String
    let reason: Reason

    init(_ path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    enum Reason: Equatable, Sendable {
        // The request itself
        case badSpec(String)
        case badLimit(Int)
        // Files and folders
        case notFound
        case unreadable(String)
        case notADataset
        case nothingRecognised(skipped: Int)
        case mixedLayout(folder: String, image: String)
        case empty(skipped: Int)
        // Classes
        case unknownClass(name: String, origin: ClassOrigin, labels: [String], nestedHint: String?)
        case ambiguousClass(name: String, origin: ClassOrigin, candidates: [String])
        case mapTargetUnknown(mapPath: String, name: String, target: String, labels: [String])
        case badTestFileName
        // Image files
        case unsupportedImageType(String)
        case notAnImage(firstBytes: [UInt8])
        case corruptImage(ImageKind, String)
        case unsupportedImage(ImageKind, String)
        case imageTooLarge(ImageKind)
        case outOfMemory
        // NumPy files
        case npyNotNumpy(firstBytes: [UInt8])
        case npyVersion(major: UInt8, minor: UInt8)
        case npyHeader(String)
        case npyFortranOrder
        case npyDataSize(expected: Int, actual: Int)
        case npyInputDType(String)
        case npyInputShape(found: [Int], expected: [Int])
        case npyAmbiguousLayout(found: [Int], expected: [Int])
        case npyFloatRange(FloatRangeFinding)
        /// Pixels (an image, a uint8 array) for a model that records no pixel mapping.
        case noPixelRange(what: String)
        case npyLabelDType(String)
        case npyLabelShape(found: [Int])
        case npyNonFinite(sample: Int, value: Float)
        case npyLabelOutOfRange(sample: Int, value: Int64, count: Int)
        case npyBadString(sample: Int)
        case npyCountMismatch(inputsPath: String, inputs: Int, labels: Int)
        case npyAmbiguousFiles([String])
        case npyNoLabels(tried: [String])
        // Label maps
        case labelMapSyntax(line: Int, String)
        case labelMapDuplicate(name: String, line: Int, firstLine: Int)
        case labelMapEmpty
    }

    /// A float32 array whose values lie far outside the real values the model takes.
    struct FloatRangeFinding: Equatable, Sendable {
        let low: Float, high: Float
        let expectedLow: Float, expectedHigh: Float
        /// "pixel range unit, x = p/255", or "what its int8 input holds".
        let what: String
        let percentOutside: Double
    }

    enum ImageKind: String, Equatable, Sendable {
        case png = "PNG"
        case jpeg = "JPEG"
    }

    /// Where a class name that must match a model label came from: the fix differs.
    enum ClassOrigin: Equatable, Sendable {
        case folder
        case testFile
        case npyLabel(sample: Int)
    }
}
