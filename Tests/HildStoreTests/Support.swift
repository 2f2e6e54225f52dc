import Foundation
import HilAPI
import Testing
@testable import HildStore
import PostgresTestCluster

/// A fresh directory per test, removed by `cleanup()`. Not created: the store must create it.
struct Scratch {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hildstore-\(UUID().uuidString)", isDirectory: true)
    }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
    func open(limit: Int = 512 << 20, durability: BenchStore.Durability = .normal) throws -> BenchStore {
        try BenchStore(directory: url.appendingPathComponent("state", isDirectory: true), artifactLimitBytes: limit,
                       durability: durability)
    }
    /// A fresh store of `kind`: SQLite in this directory, or a new database on the test run's
    /// PostgreSQL server with this directory as the host's artifact cache.
    func open(_ kind: StoreKind) throws -> any JobStore {
        switch kind {
        case .sqlite: return try open()
        case .postgres: return try PostgresStore(url: PostgresCluster.running().freshDatabase(), host: "bench-1", directory: url)
        }
    }
}

/// The stores the contract tests run against: both, when PostgreSQL is installed.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    static var available: [StoreKind] { PostgresCluster.isInstalled ? [.sqlite, .postgres] : [.sqlite] }
    var testDescription: String { rawValue }
}

/// Writes a record as the bench does, with an event beside it.
func update(_ store: any JobStore, _ record: JobRecord) throws {
    _ = try store.updateJob(record, appending: JobEvent(jobID: record.id, kind: "log", message: "updated by the test"))
}

let modelID = SHA256Hex.of(Data("model".utf8))
let datasetID = SHA256Hex.of(Data("dataset".utf8))

/// A spec with every option and threshold set, so a round trip covers every field.
let fullSpec = JobSpec(
    name: "mnist-int8 nightly", model: modelID, firmware: SHA256Hex.of(Data("fw".utf8)), dataset: datasetID,
    labels: SHA256Hex.of(Data("labels".utf8)),
    selector: BoardSelector(boardType: "stm32f746g-disco", tag: "lab-2", board: "066CFF535150", kind: .usb),
    options: JobOptions(limit: 250, baud: 921_600, warmup: 3, repeats: 4, pixels: "centered"),
    thresholds: Thresholds(minTop1: 0.915, maxP50Ms: 12.125, maxP99Ms: 20.3, minAgreement: 0.999),
    priority: 7, healthCheck: true)

func spec(priority: Int = 0, name: String? = nil) -> JobSpec {
    JobSpec(name: name, model: modelID, dataset: datasetID, priority: priority)
}

/// A Date with sub-millisecond digits, as Date() gives: what an exact round trip must survive.
let oddDate = Date(timeIntervalSinceReferenceDate: 785_000_123.456_789_1)
