import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct ResultTests {
    func rows(_ n: Int, attempt: Int) -> [SampleResultRow] {
        (0..<n).map { i in
            SampleResultRow(index: i, source: "test/\(i % 10)/img_\(i).png", label: i % 10, predicted: (i + attempt) % 10,
                            reference: i % 10, cycles: UInt64(100_000 + i))
        }
    }

    @Test(arguments: StoreKind.available) func resultsRoundTripAndTheLatestAttemptWins(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let job = try store.insertJob(spec())
        #expect(try store.report(job: job.id) == nil && store.samples(job: job.id).isEmpty)

        var first = rows(3, attempt: 1)
        first[2].cycles = UInt64.max        // beyond SQLite's signed range: must still be exact
        let report1 = Data(#"{"schema_version":1,"attempt":1}"#.utf8)
        try store.saveResults(job: job.id, attempt: 1, report: report1, samples: first)
        #expect(try store.report(job: job.id) == report1)
        #expect(try store.samples(job: job.id) == first)

        let report2 = Data(#"{"schema_version":1,"attempt":2}"#.utf8)
        try store.saveResults(job: job.id, attempt: 2, report: report2, samples: rows(5, attempt: 2))
        #expect(try store.report(job: job.id) == report2)
        #expect(try store.samples(job: job.id) == rows(5, attempt: 2))

        // Saving attempt 2 again replaces it whole: no rows of the earlier save linger.
        let report2b = Data(#"{"schema_version":1,"attempt":2,"again":true}"#.utf8)
        try store.saveResults(job: job.id, attempt: 2, report: report2b, samples: rows(2, attempt: 2))
        #expect(try store.report(job: job.id) == report2b)
        #expect(try store.samples(job: job.id) == rows(2, attempt: 2))
    }

    @Test(arguments: StoreKind.available) func resultsOfAnUnknownJobAreRefused(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let error = #expect(throws: StoreError.self) {
            try store.saveResults(job: 5, attempt: 1, report: Data("{}".utf8), samples: [])
        }
        #expect(error?.kind == .unknownJob(5))
    }
}
