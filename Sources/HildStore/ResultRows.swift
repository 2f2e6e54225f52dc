import Foundation
import GRDB
import HilAPI

/// One sample of a finished run: what the device predicted against the label and the host's
/// reference prediction, and the cycles it took.
public struct SampleResultRow: Sendable, Equatable, Codable {
    public var index: Int
    /// Where the sample came from in the dataset (a file name, or an .npy file and row).
    public var source: String
    public var label: Int
    public var predicted: Int
    public var reference: Int
    public var cycles: UInt64

    public init(index: Int, source: String, label: Int, predicted: Int, reference: Int, cycles: UInt64) {
        self.index = index; self.source = source; self.label = label
        self.predicted = predicted; self.reference = reference; self.cycles = cycles
    }
}

/// A run's results: its report and per-sample rows, keyed by job and attempt.
extension BenchStore {
    /// Stores the report (EvaluationReport JSON bytes, kept as given) and the sample rows of one
    /// attempt together. Saving the same job and attempt again replaces both.
    public func saveResults(job: Int64, attempt: Int, report: Data, samples: [SampleResultRow],
                            lease: Lease?, now savedAt: Date) throws(StoreError) {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM job WHERE id = ?)", arguments: [job]) == true else {
                throw StoreError.unknownJob(job)
            }
            try db.execute(sql: "DELETE FROM sample_result WHERE job_id = ? AND attempt = ?", arguments: [job, attempt])
            try db.execute(
                sql: "INSERT OR REPLACE INTO report (job_id, attempt, body, saved_at) VALUES (?, ?, ?, ?)",
                arguments: [job, attempt, report, savedAt.column])
            // One prepared statement for every row: a test set has thousands.
            let insert = try db.cachedStatement(sql: """
                INSERT INTO sample_result (job_id, attempt, idx, source, label, predicted, reference, cycles)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for s in samples {
                // SQLite integers are signed; the bit pattern keeps every UInt64 exact.
                try insert.execute(arguments: [job, attempt, s.index, s.source, s.label, s.predicted, s.reference,
                                               Int64(bitPattern: s.cycles)])
            }
        }
    }

    /// The report of the latest attempt that saved one.
    public func report(job: Int64) throws(StoreError) -> Data? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM report WHERE job_id = ? ORDER BY attempt DESC LIMIT 1",
                              arguments: [job])
        }
    }

    /// The sample rows of the latest attempt that saved results, by index.
    public func samples(job: Int64) throws(StoreError) -> [SampleResultRow] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM sample_result
                    WHERE job_id = ?1 AND attempt = (SELECT MAX(attempt) FROM report WHERE job_id = ?1)
                    ORDER BY idx
                    """,
                arguments: [job]
            ).map { row in
                SampleResultRow(
                    index: try row.decode(forColumn: "idx"),
                    source: try row.decode(forColumn: "source"),
                    label: try row.decode(forColumn: "label"),
                    predicted: try row.decode(forColumn: "predicted"),
                    reference: try row.decode(forColumn: "reference"),
                    cycles: UInt64(bitPattern: try row.decode(Int64.self, forColumn: "cycles")))
            }
        }
    }
}
