import Deployer
import Foundation
import HilAPI
import Testing
@testable import HilCLI

/// Reports built the way a run builds them: EvaluationReport's public init over sample records,
/// with the board, throughput, footprint and link decoded from JSON (their memberwise inits are
/// internal to Deployer).
enum ReportFixture {
    static let aslLabels = (UnicodeScalar("A").value...UnicodeScalar("Z").value).map { String(UnicodeScalar($0)!) } + ["del", "nothing", "space"]

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) -> T {
        try! JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    static func make(name: String = "shapes", board: String = "mock-f746", kind: String = "mock",
                     timer: String = "Cortex-M7 cost model", timerKind: String = "estimated",
                     clockHz: Int = 216_000_000, labels: [String] = ["circle", "square", "triangle"],
                     records: [SampleRecord], dataset: String = "examples/shapes/holdout (imagefolder)",
                     parameters: UInt64 = 9_240_000, macs: UInt64 = 41_000_000, modelBytes: Int = 120_000,
                     arenaBytes: Int = 60_000, seconds: Double = 4.2) -> EvaluationReport {
        let model = ModelSummary(name: name, sha256: String(repeating: "ab", count: 32), inputShape: [32, 32, 3],
                                 inputScale: 1 / 255, inputZeroPoint: -128, outputScale: 1 / 256, outputZeroPoint: -128,
                                 labels: labels, layers: 5, parameters: parameters, macs: macs,
                                 flashBytes: modelBytes, arenaBytes: arenaBytes)
        let boardJSON = """
        {"name": \(quoted(board)), "kind": "\(kind)", "harnessBuild": "h-1.0", "coreClockHz": \(clockHz),
         "timer": \(quoted(timer)), "timerKind": "\(timerKind)", "baud": 921600}
        """
        let throughput = """
        {"seconds": \(seconds), "samplesPerSecond": \(seconds > 0 ? Double(records.count) / seconds : 0), "inputBytes": \(records.count * 3072),
         "wireBytes": \(records.count * 3100), "wireBytesPerInputByte": 1.009, "lineUtilisation": 0.975}
        """
        let footprint = """
        {"modelBytes": \(modelBytes), "modelRegionBytes": 524288, "arenaBytes": \(arenaBytes), "harnessArenaBytes": 131072,
         "boardFlashBytes": 1048576, "boardRamBytes": 327680}
        """
        return EvaluationReport(model: model, board: decode(EvaluationReport.Board.self, boardJSON), dataset: dataset,
                                records: records, throughput: decode(EvaluationReport.Throughput.self, throughput),
                                footprint: decode(EvaluationReport.Footprint.self, footprint),
                                link: decode(EvaluationReport.Link.self, #"{"resends": 0, "crcErrors": 0, "reboots": 0, "droppedResults": 0}"#))
    }

    static func quoted(_ s: String) -> String { String(decoding: try! JSONEncoder().encode(s), as: UTF8.self) }

    /// `count` samples cycling through the classes; every `wrongEvery`th one predicted as the next class;
    /// `mismatch` samples where the device and the host disagree.
    static func records(count: Int, classes: Int, cycles: (Int) -> UInt64 = { 5_900_000 + UInt64($0 % 7) * 20_000 },
                        mismatches: Set<Int> = [], scores: Bool = false, wrongEvery: Int = 4) -> [SampleRecord] {
        (0..<count).map { i in
            let label = i % classes
            let predicted = i % wrongEvery == wrongEvery - 1 ? (label + 1) % classes : label
            var s: [Int8]? = nil
            if scores {
                var v = [Int8](repeating: -100, count: classes)
                v[predicted] = 100
                s = v
            }
            return SampleRecord(index: i, source: "img_\(i).png", label: label, predicted: predicted,
                                reference: mismatches.contains(i) ? (predicted + 1) % classes : predicted, cycles: cycles(i), scores: s)
        }
    }

    /// The same report as a host-only run would give it: no latency section at all.
    static func withoutLatency(_ r: EvaluationReport) -> EvaluationReport {
        var object = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as! [String: Any]
        object["latency"] = nil
        return try! JSONDecoder().decode(EvaluationReport.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func job(state: JobState = .failed, reason: String? = "top-1 below the threshold",
                    checks: [ThresholdCheck] = [ThresholdCheck(name: "min_top1", limit: 0.90, actual: 0.62, passed: false),
                                                ThresholdCheck(name: "max_p50_ms", limit: 50, actual: 27.7, passed: true)]) -> JobRecord {
        JobRecord(id: 12, spec: JobSpec(name: "nightly", model: "m", dataset: "d"), state: state, reason: reason,
                  startedAt: Date(timeIntervalSince1970: 1_700_000_000), checks: checks)
    }
}

@Suite struct ReportFixtureTests {
    @Test func fixtureComputesFiguresLikeARun() {
        let r = ReportFixture.make(records: ReportFixture.records(count: 120, classes: 3, mismatches: [5, 9]))
        #expect(r.accuracy.total == 120)
        #expect(r.accuracy.correct == 90)
        #expect(r.agreement.mismatches.count == 2)
        #expect(r.latency?.timerKind == "estimated")
        #expect(ReportFixture.aslLabels.count == 29)
    }
}
