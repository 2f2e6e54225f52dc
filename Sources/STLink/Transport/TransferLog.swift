import Foundation

/// Wraps any transport and writes every bulk transfer to a file: time, direction, length and bytes
/// in hex. For bug reports: what the probe was told and what it answered, nothing interpreted.
public final class LoggingTransport: USBTransport {
    public let inner: any USBTransport
    private let file: FileHandle
    public var identity: ProbeIdentity { inner.identity }
    public var clock: any HostClock { inner.clock }

    /// Creates (or truncates) the log at `path`.
    public init(wrapping inner: any USBTransport, path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) , let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                NSLocalizedDescriptionKey: "cannot create the USB log \(path); check the folder exists and is writable"])
        }
        self.inner = inner
        self.file = handle
        write("# \(inner.identity.model.name) serial \(inner.identity.serial); time in seconds on the probe's clock\n")
    }

    deinit { try? file.close() }

    public func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError) {
        do {
            try inner.bulkOut(data, timeout: timeout)
            record("OUT", data, note: nil)
        } catch {
            record("OUT", data, note: "error: \(error)")
            throw error
        }
    }

    public func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        do {
            let data = try inner.bulkIn(maxLength: maxLength, timeout: timeout)
            record("IN ", data, note: nil)
            return data
        } catch {
            record("IN ", [], note: "error: \(error)")
            throw error
        }
    }

    public func reset() throws(TransportError) {
        write(String(format: "%.6f RESET\n", clock.now.seconds))
        try inner.reset()
    }

    private func record(_ direction: String, _ data: [UInt8], note: String?) {
        var line = String(format: "%.6f %@ %5d ", clock.now.seconds, direction, data.count)
        line += data.map { String(format: "%02x", $0) }.joined()
        if let note { line += " # " + note }
        write(line + "\n")
    }

    private func write(_ text: String) { file.write(Data(text.utf8)) }
}
