import Foundation
import Testing
@testable import Deployer

/// A fresh directory under the system's temp dir, removed when the value goes away. Every test
/// writes its own fixtures here: nothing is checked in.
final class TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("hil-datasets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` at `relative` (creating folders) and returns the full path.
    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let full = path + "/" + relative
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    @discardableResult
    func write(_ relative: String, text: String) throws -> String { try write(relative, Array(text.utf8)) }

    @discardableResult
    func folder(_ relative: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    func file(_ relative: String) -> String { path + "/" + relative }
}

/// The seed model's classes: Kaggle ASL Alphabet, A–Z, del, nothing, space.
let aslLabels = (65...90).map { String(UnicodeScalar(UInt8($0))) } + ["del", "nothing", "space"]

/// A spec whose quantisation is the identity on pixels minus 128 (x = p, scale 1, zero point
/// -128), so expected inputs are easy to write by hand.
func rawSpec(height: Int = 2, width: Int = 2, channels: Int = 3, labels: [String] = aslLabels) -> ModelInputSpec {
    ModelInputSpec(height: height, width: width, channels: channels, scale: 1, zeroPoint: -128,
                   labels: labels, pixelRange: .raw)
}

/// What `rawSpec` turns a pixel into.
func q(_ pixel: Int) -> Int8 { Int8(pixel - 128) }

/// Runs `body`, which must throw a DatasetError, and returns it.
func loadError(_ body: () throws(DatasetError) -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DatasetError? {
    do {
        try body()
        Issue.record("expected a DatasetError, but loading succeeded", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Checks that an error's message names `file` and says something about what to do.
func expectNames(_ error: DatasetError?, _ file: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(error.description.contains(file), "message does not name \(file): \(error)", sourceLocation: sourceLocation)
    #expect(error.description.contains(";"), "message gives no advice: \(error)", sourceLocation: sourceLocation)
}

enum FileManagerLink {
    static func link(_ path: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: destination)
    }
}
