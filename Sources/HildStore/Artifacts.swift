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
    public func putArtifact(kind: ArtifactKind, bytes: Data, now: Date) throws(StoreError) -> ArtifactInfo {
        guard bytes.count <= artifactLimitBytes else {
            throw .tooLarge(size: bytes.count, limit: artifactLimitBytes, kind: kind)
        }
        let id = SHA256Hex.of(bytes)
        let path = artifactPath(id)
        // A complete file is already there when its size matches: files appear only by rename.
        if files.fileSize(path) != bytes.count {
            try files.writeAtomically(bytes, to: path)
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
        guard let info, files.fileSize(artifactPath(id)) == info.size else { return nil }
        return info
    }

    /// Where an artifact's bytes are. The id must be valid (`SHA256Hex.isValid`): callers pass
    /// ids the store returned or checked with `artifact(_:)`.
    public func artifactPath(_ id: ArtifactID) -> URL { files.path(id) }

    public func sweepIncoming() throws(StoreError) { try files.sweepIncoming() }

    func artifactInfo(_ row: Row) throws -> ArtifactInfo {
        let id: String = try row.decode(forColumn: "id")
        return ArtifactInfo(
            id: id,
            kind: try enumValue(ArtifactKind.self, try row.decode(forColumn: "kind"), "artifact \(id)'s kind"),
            size: try row.decode(forColumn: "size"),
            createdAt: Date(column: try row.decode(forColumn: "created_at")))
    }
}
