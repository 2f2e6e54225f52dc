import Foundation
import GRDB
import HilAPI

/// Uploaded artifacts, content-addressed: the bytes live in `artifacts/<sha256>`, a row in the
/// database says their kind and size. The file is written first and the row second, so a row
/// never points at a file that was not complete; a file without a row (hild died in between) is
/// simply adopted by the next upload of the same bytes.
extension BenchStore {
    /// Stores the bytes and returns their id (SHA-256). Idempotent: the same bytes again return
    /// the same id, and the kind and time of the first upload are kept. Refuses bytes over the
    /// limit before anything is written.
    public func putArtifact(kind: ArtifactKind, bytes: Data, now: Date = Date()) throws(StoreError) -> ArtifactInfo {
        guard bytes.count <= artifactLimitBytes else {
            throw .tooLarge(size: bytes.count, limit: artifactLimitBytes, kind: kind)
        }
        let id = SHA256Hex.of(bytes)
        let path = artifactPath(id)
        // A complete file is already there when its size matches: files appear only by rename.
        if fileSize(path) != bytes.count {
            try writeAtomically(bytes, to: path)
        }
        return try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO artifact (id, kind, size, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [id, kind.rawValue, bytes.count, now.column])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM artifact WHERE id = ?", arguments: [id]) else {
                throw StoreError.database("artifact \(id) vanished right after it was stored")
            }
            return try artifactInfo(row)
        }
    }

    /// What the store knows of an artifact; nil when the id is unknown, malformed (an id comes
    /// from a client: it is checked before it goes anywhere near a path), or its file is gone.
    public func artifact(_ id: ArtifactID) throws(StoreError) -> ArtifactInfo? {
        guard SHA256Hex.isValid(id) else { return nil }
        let info = try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM artifact WHERE id = ?", arguments: [id]).map(artifactInfo)
        }
        guard let info, fileSize(artifactPath(id)) == info.size else { return nil }
        return info
    }

    /// Where an artifact's bytes are. The id must be valid (`SHA256Hex.isValid`): callers pass
    /// ids the store returned or checked with `artifact(_:)`.
    public func artifactPath(_ id: ArtifactID) -> URL {
        precondition(SHA256Hex.isValid(id), "artifact id '\(id)' is not 64 lowercase hex digits")
        return artifactsDirectory.appendingPathComponent(id, isDirectory: false)
    }

    /// Removes what uploads interrupted by a crash left in `artifacts/.incoming`. Call at start,
    /// before any upload: it would also remove an upload in progress.
    public func sweepIncoming() throws(StoreError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: incomingDirectory.path)
        } catch {
            throw .io(incomingDirectory.path, Self.reason(error))
        }
        for name in names {
            let path = incomingDirectory.appendingPathComponent(name).path
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw .io(path, Self.reason(error))
            }
        }
    }

    func artifactInfo(_ row: Row) throws -> ArtifactInfo {
        let id: String = try row.decode(forColumn: "id")
        return ArtifactInfo(
            id: id,
            kind: try enumValue(ArtifactKind.self, try row.decode(forColumn: "kind"), "artifact \(id)'s kind"),
            size: try row.decode(forColumn: "size"),
            createdAt: Date(column: try row.decode(forColumn: "created_at")))
    }

    func fileSize(_ url: URL) -> Int? {
        var st = stat()
        guard stat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Temp file in `.incoming`, fsync, rename into place, fsync the directory: the final name
    /// only ever shows complete bytes, and survives power loss once this returns.
    func writeAtomically(_ bytes: Data, to destination: URL) throws(StoreError) {
        let temp = incomingDirectory.appendingPathComponent(UUID().uuidString + ".part").path
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
            if case .diskFull = failure.kind { throw .diskFull(artifactsDirectory.path) }
            throw failure
        }
        syncDirectory(artifactsDirectory.path)
    }

    /// Makes a rename durable. Best effort: a failure here loses nothing the process can see.
    private func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
