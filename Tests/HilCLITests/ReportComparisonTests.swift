import Deployer
import Foundation
import Testing
@testable import HilCLI

@Suite struct ReportComparisonTests {
    let original = ReportFixture.make(name: "asl-cnn", labels: ReportFixture.aslLabels,
                                      records: ReportFixture.records(count: 116, classes: 29, scores: true),
                                      parameters: 9_240_000, macs: 410_000_000, modelBytes: 9_300_000, arenaBytes: 200_000)
    let pruned = ReportFixture.make(name: "asl-cnn-pruned", labels: ReportFixture.aslLabels,
                                    records: ReportFixture.records(count: 116, classes: 29, cycles: { _ in 1_080_000 }, scores: true, wrongEvery: 5),
                                    parameters: 250_000, macs: 12_000_000, modelBytes: 260_000, arenaBytes: 50_000)

    var comparison: RunComparison {
        RunComparison(ComparedRun(label: "original", report: original), ComparedRun(label: "pruned", report: pruned))
    }

    func row(_ metric: String) -> ComparisonRow { comparison.rows.first { $0.metric == metric }! }

    @Test func ratiosAndDifferences() throws {
        let params = row("parameters")
        #expect(abs(params.ratio! - 250_000.0 / 9_240_000.0) < 1e-12)
        #expect(ComparisonRow.displayRatio(params.ratio) == "0.027×")
        #expect(params.difference == nil)
        let top1 = row("top-1 accuracy")
        #expect(abs(top1.a! - 75.0) < 1e-9)   // 29 wrong of 116
        #expect(abs(top1.b! - 80.172_413_793) < 1e-6)  // 23 wrong of 116
        #expect(ComparisonRow.displayDifference(top1.difference) == "+5.17 pp")
        #expect(comparison.rows.map(\.metric) == ["parameters", "MACs", "model flash", "arena RAM", "top-1 accuracy",
                                                   "top-5 accuracy", "latency p50", "latency p99", "throughput"])
        // The only warning: the original's 9.3 MB does not fit the fixture board (same timer, same samples).
        #expect(comparison.warnings.count == 1, "\(comparison.warnings)")
        #expect(comparison.warnings.first?.hasPrefix("original does not fit mock-f746: its model (8.87 MB) exceeds the 512.0 KB model region") == true)
        #expect(comparison.warnings.first?.contains("its arena (195.3 KB) exceeds the harness's 128.0 KB") == true)
        #expect(comparison.warnings.first?.hasSuffix("it cannot run on a real mock-f746.") == true)
    }

    @Test func textTableIsAligned() throws {
        let text = try comparison.render(.text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("metric") })
        #expect(header.hasSuffix("pruned/original  difference"))
        let top1 = try #require(lines.first { $0.hasPrefix("top-1 accuracy") })
        #expect(top1.count == header.count)
        #expect(top1.contains("75.00 %") && top1.contains("80.17 %") && top1.contains("+5.17 pp"))
        let params = try #require(lines.first { $0.hasPrefix("parameters") })
        #expect(params.contains("9.24 M") && params.contains("250.0 k") && params.contains("0.027×"))
        let p50 = try #require(lines.first { $0.hasPrefix("latency p50") })
        #expect(p50.contains("5.000 ms (estimated)"))  // 1 080 000 cycles at 216 MHz
    }

    @Test func missingFiguresAndZeroDivisors() throws {
        let hostOnly = ReportFixture.withoutLatency(original)
        #expect(hostOnly.latency == nil)
        let empty = ReportFixture.make(records: [], parameters: 0)
        let c = RunComparison(ComparedRun(label: "host", report: hostOnly), ComparedRun(label: "empty", report: empty))
        let p50 = c.rows.first { $0.metric == "latency p50" }!
        #expect(p50.a == nil && p50.b == nil && p50.ratio == nil)
        let params = c.rows.first { $0.metric == "parameters" }!
        #expect(params.b == 0 && params.ratio == 0)  // 0 / 9.24 M is a ratio; the reverse is not
        let reverse = RunComparison(ComparedRun(label: "empty", report: empty), ComparedRun(label: "host", report: hostOnly))
        #expect(reverse.rows.first { $0.metric == "parameters" }!.ratio == nil)  // 9.24 M / 0
        let text = try reverse.render(.text)
        #expect(text.contains("—"))
        #expect(!text.contains("inf") && !text.contains("nan"))
    }

    @Test func warnsWhenLatenciesOrDatasetsDoNotCompare() throws {
        let qemu = ReportFixture.make(timer: "SysTick under QEMU", timerKind: "emulated", records: ReportFixture.records(count: 30, classes: 3),
                                      dataset: "other/holdout (flat)")
        let mock = ReportFixture.make(records: ReportFixture.records(count: 30, classes: 3))
        let c = RunComparison(ComparedRun(label: "mock", report: mock), ComparedRun(label: "qemu", report: qemu))
        #expect(c.warnings.count == 2)
        let text = try c.render(.text)
        #expect(text.contains("warning: mock's latencies are estimated (Cortex-M7 cost model) and qemu's are emulated (SysTick under QEMU): the latencies are not comparable."))
        #expect(text.contains("warning: mock ran on dataset"))
        let md = try c.render(.markdown)
        #expect(md.contains("> **Warning:** mock's latencies are estimated"))
        #expect(md.contains("(emulated, QEMU SysTick)"))
    }

    @Test func aHostOnlyRunThatDoesNotFitSaysItsFiguresAreHostSideAndHasNoThroughput() throws {
        let host = ReportFixture.make(name: "asl-cnn", kind: "host", labels: ReportFixture.aslLabels,
                                      records: ReportFixture.records(count: 116, classes: 29, scores: true),
                                      parameters: 9_240_000, macs: 410_000_000, modelBytes: 9_300_000, arenaBytes: 100_000)
        let c = RunComparison(ComparedRun(label: "original", report: host), ComparedRun(label: "pruned", report: pruned))
        #expect(c.warnings == ["original does not fit mock-f746: its model (8.87 MB) exceeds the 512.0 KB model region (1.00 MB flash); its figures are host-side (this machine's C runtime, latency estimated)."])
        let throughput = c.rows.first { $0.metric == "throughput" }!
        #expect(throughput.a == nil && throughput.b != nil && throughput.ratio == nil)
    }

    @Test func markdownTable() throws {
        let md = try comparison.render(.markdown)
        let tableRows = md.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(tableRows.count == 2 + 9)
        #expect(tableRows[0] == "| metric | original | pruned | pruned/original | difference |")
        #expect(md.contains("| parameters | 9.24 M | 250.0 k | 0.027× |  |"))
    }

    @Test func jsonShape() throws {
        let data = Data(try comparison.render(.json).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["a", "b", "rows", "warnings", "layers"])
        let a = try #require(object["a"] as? [String: Any])
        #expect(a["label"] as? String == "original")
        #expect(a["timer_kind"] as? String == "estimated")
        #expect(a["model_sha256"] != nil)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 9)
        for r in rows { #expect(Set(r.keys) == ["metric", "unit", "a", "b", "ratio", "difference"]) }
        #expect(rows[0]["metric"] as? String == "parameters")
        #expect(abs((rows[0]["ratio"] as? Double ?? 0) - 0.027_056) < 1e-5)
        #expect(rows[0]["difference"] is NSNull)
        #expect(rows[4]["unit"] as? String == "%")
        #expect(abs((rows[4]["difference"] as? Double ?? 0) - 5.172_413_8) < 1e-6)
    }
}
