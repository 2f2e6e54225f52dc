import Deployer
import Foundation
import HilAPI
import Testing
@testable import HilCLI

@Suite struct ReportMarkdownTests {
    @Test func headlineFiguresWithTheTimerKindBesideEveryLatency() throws {
        let r = ReportFixture.make(records: ReportFixture.records(count: 120, classes: 3, scores: false))
        let md = try ReportDocument.render(r, format: .markdown, job: nil)
        #expect(md.hasPrefix("# hil: shapes on mock-f746\n"))
        #expect(md.contains("| top-1 | 75.00 % (90/120) |"))
        let latencyRows = md.split(separator: "\n").filter { $0.hasPrefix("| latency p") }
        #expect(latencyRows.count == 3)
        for row in latencyRows { #expect(row.contains("(estimated)") && row.contains(" ms, ") && row.contains(" cycles")) }
        #expect(!md.contains("(measured)"))
        #expect(md.contains("| throughput | 28.57 samples/s over 4.20 s"))
    }

    @Test func footprintAgainstTheBoard() throws {
        let r = ReportFixture.make(records: ReportFixture.records(count: 10, classes: 3))
        let md = try ReportDocument.render(r, format: .markdown, job: nil)
        // 120 000 of 1 MiB flash, 60 000 of 320 KiB RAM.
        #expect(md.contains("| model (flash) | 117.2 KB | board flash 1.00 MB | 11.4 % |"))
        #expect(md.contains("| arena (RAM) | 58.6 KB | board RAM 320.0 KB | 18.3 % |"))
    }

    @Test func emulatedTimerIsNamedAsSuch() throws {
        let r = ReportFixture.make(kind: "qemu", timer: "SysTick under QEMU", timerKind: "emulated", clockHz: 25_000_000,
                                   records: ReportFixture.records(count: 10, classes: 3))
        let md = try ReportDocument.render(r, format: .markdown, job: nil)
        #expect(md.contains("(emulated, QEMU SysTick)"))
        #expect(!md.contains("(measured)"))
    }

    @Test func perClassAndChecks() throws {
        let r = ReportFixture.make(records: ReportFixture.records(count: 120, classes: 3))
        let md = try ReportDocument.render(r, format: .markdown, job: ReportFixture.job())
        #expect(md.contains("| circle | 40 |"))
        #expect(md.contains("## Threshold checks"))
        #expect(md.contains("| ❌ FAIL | top-1 0.62 \\< 0.90 |"))
        #expect(md.contains("**FAILED — job 12 \"nightly\": top-1 below the threshold**"))
    }

    @Test func cellsCannotBreakTheTable() throws {
        let r = ReportFixture.make(labels: ["a|b", "<x>", "line\nbreak"], records: ReportFixture.records(count: 9, classes: 3))
        let md = try ReportDocument.render(r, format: .markdown, job: nil)
        #expect(md.contains("| a\\|b | 3 |"))
        #expect(md.contains("| \\<x\\> | 3 |"))
        #expect(md.contains("| line break | 3 |"))
    }

    @Test func reportWithoutLatency() throws {
        let r = ReportFixture.make(records: [])
        let md = try ReportDocument.render(r, format: .markdown, job: nil)
        #expect(md.contains("| latency | — (no sample was timed) |"))
        #expect(!md.contains("nan"))
    }
}

@Suite struct ReportDocumentTests {
    let report = ReportFixture.make(records: ReportFixture.records(count: 24, classes: 3))

    @Test func textIsTheTerminalTablePlusTheVerdict() throws {
        #expect(try ReportDocument.render(report, format: .text, job: nil) == ReportRenderer.text(report))
        let withJob = try ReportDocument.render(report, format: .text, job: ReportFixture.job())
        #expect(withJob.hasPrefix(ReportRenderer.text(report)))
        #expect(withJob.contains("verdict  FAILED — job 12 \"nightly\": top-1 below the threshold"))
        #expect(withJob.contains("FAIL  top-1 0.62 < 0.90"))
        #expect(withJob.contains("pass  p50 27.70 ms (estimated) ≤ 50.00 ms"))
    }

    @Test func jsonIsTheReportsOwn() throws {
        #expect(try ReportDocument.render(report, format: .json, job: ReportFixture.job()) == report.json())
    }

    @Test func everyFormatRenders() throws {
        for format in ReportFormat.allCases {
            #expect(try !ReportDocument.render(report, format: format, job: nil).isEmpty)
        }
        #expect(ReportFormat(rawValue: "junit") == .junit)
    }

    @Test func thresholdWording() {
        let r = report
        #expect(ThresholdWording.describe(ThresholdCheck(name: "min_agreement", limit: 1, actual: 0.98, passed: false), report: r) == "agreement 0.98 < 1.00")
        #expect(ThresholdWording.describe(ThresholdCheck(name: "max_p99_ms", limit: 10, actual: 12.345, passed: false), report: r) == "p99 12.35 ms (estimated) > 10.00 ms")
        #expect(ThresholdWording.describe(ThresholdCheck(name: "max_p50_ms", limit: 10, actual: nil, passed: false), report: r) == "p50: no figure to check (limit ≤ 10.00 ms)")
    }
}
