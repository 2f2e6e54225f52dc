import Foundation
import HilAPI

/// The SQLite store belongs to one hild: its queue is the bench's whole queue, so there is
/// nothing to claim from other hosts, no lease to renew or expire.
extension BenchStore {
    public var location: String { databasePath }
    public var sharedHost: String? { nil }

    public func artifactFile(_ id: ArtifactID) throws(StoreError) -> URL {
        guard try artifact(id) != nil else { throw .io(artifactPath(id).path, "the artifact's file is missing or incomplete; upload it again") }
        return artifactPath(id)
    }

    public func claim(_ jobs: [Int64], leaseSeconds: Double) throws(StoreError) -> [Int64: Lease] {
        Dictionary(uniqueKeysWithValues: jobs.map { ($0, Lease(host: "", generation: 0)) })
    }
    public func renewLeases(held: [Int64: Lease], leaseSeconds: Double) throws(StoreError) -> LeaseRenewal { LeaseRenewal() }
    public func expireLeases(maxAttempts: Int, now: Date) throws(StoreError) -> [JobEvent] { [] }
    public func benchBoards() throws(StoreError) -> [BoardInfo]? { nil }
    public func requestCancel(job: Int64) throws(StoreError) -> Bool { false }
    public func listener() throws(StoreError) -> (any StoreListener)? { nil }
}
