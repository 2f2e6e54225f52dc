import Foundation
import HilAPI

/// Artifacts in the shared store: content-addressed rows with their bytes in 1 MiB chunks, so
/// every host can read what was uploaded to any of them. A host keeps a local copy under its
/// state directory for runs to read; the copy is checked against the SHA-256 on every use and
/// fetched again when it does not match.
extension PostgresStore {
    static let chunkBytes = 1 << 20

    public func putArtifact(kind: ArtifactKind, bytes: Data, now: Date) throws(StoreError) -> ArtifactInfo {
        guard bytes.count <= artifactLimitBytes else {
            throw .tooLarge(size: bytes.count, limit: artifactLimitBytes, kind: kind)
        }
        let id = SHA256Hex.of(bytes)
        if let known = try artifact(id) { return known }
        let chunks = stride(from: 0, to: max(bytes.count, 1), by: Self.chunkBytes).map {
            bytes.subdata(in: bytes.startIndex + $0 ..< bytes.startIndex + min($0 + Self.chunkBytes, bytes.count))
        }
        try transaction { tx in
            for (n, chunk) in chunks.enumerated() {
                try tx.execute("INSERT INTO artifact_chunk (id, n, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                               [.text(id), .int(n), .bytes(chunk)])
            }
            // Last, in the same transaction: a row means every chunk is there.
            try tx.execute("""
                INSERT INTO artifact (id, kind, size, chunks, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING
                """, [.text(id), .text(kind.rawValue), .int(bytes.count), .int(chunks.count), .double(now.column)])
        }
        let path = files.path(id)
        if files.fileSize(path) != bytes.count { try files.writeAtomically(bytes, to: path) }
        guard let stored = try artifact(id) else { throw .database("artifact \(id) vanished right after it was stored") }
        return stored
    }

    public func artifact(_ id: ArtifactID) throws(StoreError) -> ArtifactInfo? {
        guard SHA256Hex.isValid(id) else { return nil }
        let rows = try sql("SELECT * FROM artifact WHERE id = $1", [.text(id)])
        guard rows.count == 1 else { return nil }
        return ArtifactInfo(id: id, kind: try enumValue(ArtifactKind.self, rows.string(0, "kind"), "artifact \(id)'s kind"),
                            size: Int(try required(rows.int(0, "size"), "artifact \(id)'s size")),
                            createdAt: Date(column: try required(rows.double(0, "created_at"), "artifact \(id)'s created_at")))
    }

    public func artifactFile(_ id: ArtifactID) throws(StoreError) -> URL {
        guard let info = try artifact(id) else { throw .io(id, "the artifact is not in the shared store; upload it again") }
        let path = files.path(id)
        if files.fileSize(path) == info.size, let local = try? Data(contentsOf: path), SHA256Hex.of(local) == id {
            return path
        }
        let rows = try sql("SELECT bytes FROM artifact_chunk WHERE id = $1 ORDER BY n", [.text(id)], binary: true)
        var bytes = Data(capacity: info.size)
        for i in 0..<rows.count { bytes.append(rows[i, "bytes"] ?? Data()) }
        guard bytes.count == info.size, SHA256Hex.of(bytes) == id else {
            throw .corrupt(location, "artifact \(id)'s bytes in the database do not hash to its id (\(bytes.count) of \(info.size) bytes); upload it again")
        }
        try files.writeAtomically(bytes, to: path)
        return path
    }

    public func sweepIncoming() throws(StoreError) { try files.sweepIncoming() }
}
