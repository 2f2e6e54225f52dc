import Foundation
import Testing
@testable import Deployer

/// Report figures against values worked out by hand.
@Suite struct ReportTests {
    let model = ModelSummary(name: "m", sha256: String(repeating: "0", count: 64), inputShape: [2, 2, 1],
                             inputScale: 1, inputZeroPoint: 0, outputScale: 1, outputZeroPoint: 0,
                             labels: ["A", "B", "C", "D", "E", "F"], layers: 1, parameters: 10, macs: 20,
                             flashBytes: 100, arenaBytes: 50)
    let board = EvaluationReport.Board(name: "mock", kind: "mock", harnessBuild: "x", coreClockHz: 200_000_000,
                                       timer: "cost model", timerKind: "estimated", baud: 115200)
    let throughput = EvaluationReport.Throughput(seconds: 1, samplesPerSecond: 5, inputBytes: 20, wireBytes: 25,
                                                 wireBytesPerInputByte: 1.25, lineUtilisation: 0.5)
    let footprint = EvaluationReport.Footprint(modelBytes: 100, modelRegionBytes: 1000, arenaBytes: 50,
                                               harnessArenaBytes: 500, boardFlashBytes: 2000, boardRAMBytes: 600)
    let link = EvaluationReport.Link(resends: 0, crcErrors: 0, reboots: 0, droppedResults: 0)

    func record(_ i: Int, label: Int, predicted: Int, reference: Int? = nil, cycles: UInt64, scores: [Int8]? = nil) -> SampleRecord {
        SampleRecord(index: i, source: "s\(i)", label: label, predicted: predicted, reference: reference ?? predicted, cycles: cycles, scores: scores)
    }

    @Test func accuracyPrecisionRecallAndConfusionByHand() {
        // Truth A A A B B C; predicted A A B B C C.
        let records = [record(0, label: 0, predicted: 0, cycles: 100), record(1, label: 0, predicted: 0, cycles: 200),
                       record(2, label: 0, predicted: 1, cycles: 300), record(3, label: 1, predicted: 1, cycles: 400),
                       record(4, label: 1, predicted: 2, cycles: 500), record(5, label: 2, predicted: 2, cycles: 600)]
        let r = EvaluationReport(model: model, board: board, dataset: "d", records: records, throughput: throughput, footprint: footprint, link: link)
        #expect(r.accuracy.correct == 4 && r.accuracy.total == 6)
        #expect(abs(r.accuracy.top1 - 4.0 / 6.0) < 1e-12)
        #expect(r.accuracy.top5 == nil)                       // no scores
        #expect(r.confusion[0] == [2, 1, 0, 0, 0, 0])
        #expect(r.confusion[1] == [0, 1, 1, 0, 0, 0])
        #expect(r.confusion[2] == [0, 0, 1, 0, 0, 0])
        // A: TP 2 of 2 predicted, 2 of 3 true. B: 1 of 2, 1 of 2. C: 1 of 2, 1 of 1. D: nothing.
        #expect(r.classes[0].precision == 1.0 && r.classes[0].recall == 2.0 / 3.0)
        #expect(r.classes[1].precision == 0.5 && r.classes[1].recall == 0.5)
        #expect(r.classes[2].precision == 0.5 && r.classes[2].recall == 1.0)
        #expect(r.classes[3].precision == nil && r.classes[3].recall == nil && r.classes[3].support == 0)
    }

    @Test func latencyPercentilesByNearestRankAndMicrosecondsAtTheCoreClock() throws {
        // Cycles 100…1000 in steps of 100 (10 samples), shuffled.
        let cycles: [UInt64] = [700, 100, 1000, 300, 900, 200, 600, 400, 800, 500]
        let records = cycles.enumerated().map { record($0.offset, label: 0, predicted: 0, cycles: $0.element) }
        let r = EvaluationReport(model: model, board: board, dataset: "d", records: records, throughput: throughput, footprint: footprint, link: link)
        let l = try #require(r.latency)
        #expect(l.cycles.min == 100 && l.cycles.max == 1000)
        #expect(l.cycles.median == 550)       // (500 + 600) / 2
        #expect(l.cycles.p90 == 900)          // rank ceil(0.9 × 10) = 9
        #expect(l.cycles.p99 == 1000)         // rank ceil(9.9) = 10
        #expect(l.cycles.mean == 550)
        #expect(l.microseconds.median == 2.75)  // 550 cycles at 200 MHz
        #expect(l.timerKind == "estimated")
    }

    @Test func top5CountsTiesByLowerIndex() {
        // Scores: class 5 is sixth-highest only because ties go to the lower index.
        let scores: [Int8] = [10, 10, 10, 10, 10, 10]
        let hit = record(0, label: 4, predicted: 0, cycles: 1, scores: scores)
        let miss = record(1, label: 5, predicted: 0, cycles: 1, scores: scores)
        let r = EvaluationReport(model: model, board: board, dataset: "d", records: [hit, miss], throughput: throughput, footprint: footprint, link: link)
        #expect(r.accuracy.top5 == 0.5)
    }

    @Test func disagreementsAreListedWithBothAnswers() {
        let records = [record(0, label: 0, predicted: 0, reference: 0, cycles: 1), record(7, label: 1, predicted: 2, reference: 1, cycles: 1)]
        let r = EvaluationReport(model: model, board: board, dataset: "d", records: records, throughput: throughput, footprint: footprint, link: link)
        #expect(r.agreement.agree == 1 && r.agreement.total == 2)
        #expect(r.agreement.mismatches.count == 1)
        #expect(r.agreement.mismatches[0].index == 7 && r.agreement.mismatches[0].device == "C" && r.agreement.mismatches[0].host == "B")
    }

    @Test func jsonCarriesTheSchemaVersionAndSnakeCaseKeys() throws {
        let r = EvaluationReport(model: model, board: board, dataset: "d", records: [record(0, label: 0, predicted: 0, cycles: 5)], throughput: throughput, footprint: footprint, link: link)
        let object = try JSONSerialization.jsonObject(with: Data(try r.json().utf8)) as? [String: Any]
        #expect(object?["schema_version"] as? Int == 2)
        #expect((object?["accuracy"] as? [String: Any])?["top1"] as? Double == 1)
        #expect((object?["latency"] as? [String: Any])?["timer_kind"] as? String == "estimated")
        let text = ReportRenderer.text(r)
        #expect(text.contains("ESTIMATED"))
        #expect(text.contains("top-1 100.00 %"))
    }
}
