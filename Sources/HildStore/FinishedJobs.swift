import Foundation
import HilAPI

/// Finished jobs as last decoded, by id. A finished job's row no longer changes, and decoding its
/// JSON columns (spec, summary, checks, progress, failed boards) was half of hild's CPU for a
/// `GET /v1/jobs` page of 100 (bench-benchmark --farm: 5.7 of 12.9 ms): listings decode each
/// finished job once. Bounded to the newest `capacity` ids, the pages clients read; any update of
/// a job through this store drops its entry first, so a cached record is never older than the row.
final class FinishedJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [Int64: JobRecord] = [:]
    let capacity: Int

    init(capacity: Int = 2_000) { self.capacity = capacity }

    func record(_ id: Int64) -> JobRecord? { lock.withLock { records[id] } }

    func keep(_ record: JobRecord) {
        guard record.state.isFinal else { return }
        lock.withLock {
            records[record.id] = record
            // Trimmed in batches, oldest ids first, so a page of inserts does not sort each time.
            if records.count > capacity + capacity / 4 {
                for id in records.keys.sorted().prefix(records.count - capacity) { records[id] = nil }
            }
        }
    }

    func forget(_ id: Int64) { lock.withLock { records[id] = nil } }

    /// A listing's row: the cached record when the row says the job is finished, else `decode()`.
    func listed<Failure: Error>(id: Int64?, state: String?, _ decode: () throws(Failure) -> JobRecord) throws(Failure) -> JobRecord {
        if let id, let state, JobState(rawValue: state)?.isFinal == true, let cached = record(id) { return cached }
        let record = try decode()
        keep(record)
        return record
    }
}
