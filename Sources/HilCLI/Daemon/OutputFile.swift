import Foundation

/// A report file that could not be written.
struct OutputError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write \(path) (\(reason)); check the folder exists and is writable" }
}

/// Writes a file whole or not at all: the text goes to a temporary file beside the target, which
/// is then renamed over it, so a CI step never picks up a half-written report.
enum OutputFile {
    static func write(_ text: String, to path: String) throws(OutputError) {
        let target = URL(fileURLWithPath: path)
        let temp = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: Data(text.utf8)) else {
            throw OutputError(path: path, reason: String(cString: strerror(errno)))
        }
        // Flush to disk before the rename, so a crash cannot leave the new name on empty content.
        if let handle = try? FileHandle(forWritingTo: temp) { try? handle.synchronize(); try? handle.close() }
        guard rename(temp.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw OutputError(path: path, reason: reason)
        }
    }
}
