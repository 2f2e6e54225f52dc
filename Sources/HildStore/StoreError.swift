import Foundation
import GRDB
import HilAPI

/// What went wrong in the store, typed so the daemon can branch (disk full → 507, too large → 413)
/// and worded so an operator reading the log knows which file is involved and what to do.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The directory or database file could not be created or opened.
        case cannotOpen(path: String, reason: String)
        /// A schema migration failed, or the file was written by a newer hild.
        case migration(reason: String)
        /// Any other SQLite failure.
        case database(reason: String)
        /// SQLITE_FULL or ENOSPC: nothing of the failed operation was kept.
        case diskFull(path: String)
        /// An artifact larger than the configured limit, refused before anything was written.
        case tooLarge(size: Int, limit: Int, kind: ArtifactKind)
        /// A file operation on an artifact failed.
        case io(path: String, reason: String)
        /// The file is not a database, or a stored value no longer decodes.
        case corrupt(path: String, reason: String)
        /// An update or event named a job the store does not hold.
        case unknownJob(Int64)
        /// A write for a job this host no longer holds: its lease expired and the job was
        /// requeued (and may run elsewhere now). Nothing was written.
        case leaseLost(job: Int64, host: String, owner: String?)

        public var isLeaseLost: Bool { if case .leaseLost = self { true } else { false } }
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public static func cannotOpen(_ path: String, _ reason: String) -> StoreError { StoreError(.cannotOpen(path: path, reason: reason)) }
    public static func migration(_ reason: String) -> StoreError { StoreError(.migration(reason: reason)) }
    public static func database(_ reason: String) -> StoreError { StoreError(.database(reason: reason)) }
    public static func diskFull(_ path: String) -> StoreError { StoreError(.diskFull(path: path)) }
    public static func tooLarge(size: Int, limit: Int, kind: ArtifactKind) -> StoreError { StoreError(.tooLarge(size: size, limit: limit, kind: kind)) }
    public static func io(_ path: String, _ reason: String) -> StoreError { StoreError(.io(path: path, reason: reason)) }
    public static func corrupt(_ path: String, _ reason: String) -> StoreError { StoreError(.corrupt(path: path, reason: reason)) }
    public static func unknownJob(_ id: Int64) -> StoreError { StoreError(.unknownJob(id)) }
    public static func leaseLost(_ id: Int64, host: String, owner: String?) -> StoreError { StoreError(.leaseLost(job: id, host: host, owner: owner)) }

    public var description: String {
        switch kind {
        case let .cannotOpen(path, reason):
            return "cannot open the store at \(path): \(reason); check that the directory exists and is writable by hild"
        case let .migration(reason):
            return "cannot migrate the store's schema: \(reason)"
        case let .database(reason):
            return "the store's database failed: \(reason)"
        case let .diskFull(path):
            return "the disk holding \(path) is full: free space and retry; nothing was stored"
        case let .tooLarge(size, limit, kind):
            return "the \(kind.rawValue) is \(size) bytes, over the store's limit of \(limit) bytes; "
                + "send a smaller file or raise hild's artifact limit"
        case let .io(path, reason):
            return "cannot write \(path): \(reason)"
        case let .corrupt(path, reason):
            return "the store at \(path) is damaged: \(reason); restore it from a backup or move it aside to start afresh"
        case let .unknownJob(id):
            return "job \(id) is not in the store"
        case let .leaseLost(id, host, owner):
            return "\(host) no longer holds job \(id)" + (owner.map { ": \($0) runs it now" } ?? ": its lease expired and it was requeued")
                + "; nothing was written for it"
        }
    }

    /// Maps whatever a GRDB call threw. A StoreError thrown inside a transaction passes through
    /// unchanged; SQLITE_FULL becomes diskFull because "database or disk is full" does not say
    /// which disk, and the operator needs that.
    static func from(_ error: any Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let e = error as? DatabaseError else { return .database(String(describing: error)) }
        switch e.resultCode {
        case .SQLITE_FULL:
            return .diskFull(path)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return .corrupt(path, e.message ?? "\(e.resultCode)")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
            return .cannotOpen(path, e.message ?? "\(e.resultCode)")
        default:
            return .database("\(e.message ?? "\(e.resultCode)") (\(e.extendedResultCode)) in \(path)")
        }
    }

    /// Maps a POSIX errno from an artifact file operation.
    static func posix(_ code: Int32, path: String) -> StoreError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path) }
        return .io(path, String(cString: strerror(code)))
    }
}
