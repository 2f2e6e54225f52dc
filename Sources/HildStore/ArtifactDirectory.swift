import Foundation
import HilAPI

/// A folder of artifact files named by their SHA-256, written only by rename from `.incoming`:
/// the SQLite store's artifacts themselves, the shared store's local cache of its artifacts.
struct ArtifactDirectory: Sendable {
    let root: URL
    let incoming: URL

    /// Creates `<directory>/artifacts/.incoming`.
    init(in directory: URL) throws(StoreError) {
        root = directory.appendingPathComponent("artifacts", isDirectory: true)
        incoming = root.appendingPathComponent(".incoming", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(incoming.path, BenchStore.reason(error))
        }
    }

    /// Where an artifact's bytes are. The id must be valid (`SHA256Hex.isValid`).
    func path(_ id: ArtifactID) -> URL {
        precondition(SHA256Hex.isValid(id), "artifact id '\(id)' is not 64 lowercase hex digits")
        return root.appendingPathComponent(id, isDirectory: false)
    }

    func fileSize(_ url: URL) -> Int? {
        var st = stat()
        guard stat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Removes what uploads interrupted by a crash left in `.incoming`. Call at start, before any
    /// upload: it would also remove an upload in progress.
    func sweepIncoming() throws(StoreError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: incoming.path)
        } catch {
            throw .io(incoming.path, BenchStore.reason(error))
        }
        for name in names {
            let path = incoming.appendingPathComponent(name).path
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw .io(path, BenchStore.reason(error))
            }
        }
    }

    /// Temp file in `.incoming`, fsync, rename into place, fsync the directory: the final name
    /// only ever shows complete bytes, and survives power loss once this returns.
    func writeAtomically(_ bytes: Data, to destination: URL) throws(StoreError) {
        let temp = incoming.appendingPathComponent(UUID().uuidString + ".part").path
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .posix(errno, path: temp) }
        var failure: StoreError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .posix(errno, path: temp)
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .posix(errno, path: temp) }
        if close(fd) != 0, failure == nil { failure = .posix(errno, path: temp) }
        if failure == nil, rename(temp, destination.path) != 0 { failure = .posix(errno, path: destination.path) }
        if let failure {
            unlink(temp)
            // Report the disk by the directory the operator knows, not the temp name.
            if case .diskFull = failure.kind { throw .diskFull(root.path) }
            throw failure
        }
        syncDirectory(root.path)
    }

    /// Makes a rename durable. Best effort: a failure here loses nothing the process can see.
    private func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
