import Deployer
import Foundation
import HilAPI
import Testing
@testable import HilCLI

@Suite struct ReportHTMLTests {
    func occurrences(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    /// Every inline SVG, parsed as the XML it must be.
    func svgs(_ html: String) throws -> [[XMLCollector.Element]] {
        var out: [[XMLCollector.Element]] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(try XMLCollector.parse(String(rest[start.lowerBound..<end.upperBound])))
            rest = rest[end.upperBound...]
        }
        return out
    }

    @Test func aslModelDrawsAFull29By29Matrix() throws {
        let r = ReportFixture.make(name: "asl-mobilenet", labels: ReportFixture.aslLabels,
                                   records: ReportFixture.records(count: 290, classes: 29, scores: true))
        let html = try ReportDocument.render(r, format: .html, job: ReportFixture.job())
        let drawn = try svgs(html)
        #expect(drawn.count == 2)
        let matrix = drawn[0]
        #expect(matrix.filter { $0.name == "rect" && $0.attributes["class"] == "cell" }.count == 29 * 29)
        // Counts shown in the 29 diagonal cells and the 29 off-diagonal ones the fixture fills.
        #expect(matrix.filter { $0.attributes["class"] == "count" }.count == 58)
        #expect(matrix.filter { $0.attributes["class"] == "row-label" }.map(\.text).suffix(3) == ["del", "nothing", "space"])
        #expect(matrix.contains { $0.attributes["class"] == "legend" })
        #expect(html.contains("75.17 %"))  // top-1: 218 of 290
    }

    @Test func pageIsSelfContained() throws {
        let r = ReportFixture.make(records: ReportFixture.records(count: 50, classes: 3))
        let html = try ReportDocument.render(r, format: .html, job: nil)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<style>"))
        for banned in ["<script", "<link", "src=", "url(http", "@import"] { #expect(!html.contains(banned)) }
        // The only URL is the SVG namespace, which is a name, not a fetch.
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http") == false)
    }

    @Test func histogramNamesTheTimerKindAndMarksPercentiles() throws {
        let r = ReportFixture.make(board: "qemu-mps2-an500", kind: "qemu", timer: "SysTick under QEMU", timerKind: "emulated",
                                   clockHz: 25_000_000, records: ReportFixture.records(count: 100, classes: 3))
        let html = try ReportDocument.render(r, format: .html, job: nil)
        let histogram = try svgs(html)[1]
        #expect(histogram.first { $0.name == "title" }?.text.contains("(emulated, QEMU SysTick)") == true)
        let bars = histogram.filter { $0.attributes["class"] == "bar" }
        #expect(bars.count == 10)  // √100
        #expect(histogram.contains { $0.attributes["class"] == "p50" })
        #expect(histogram.contains { $0.attributes["class"] == "p99" })
        #expect(histogram.filter { $0.attributes["class"] == "x-tick" }.count >= 2)
        #expect(!html.contains("(measured)"))
    }

    @Test func identicalLatenciesMakeOneBarOnAnAxis() throws {
        let r = ReportFixture.make(labels: ["only"], records: ReportFixture.records(count: 7, classes: 1, cycles: { _ in 1000 }))
        let histogram = try svgs(try ReportDocument.render(r, format: .html, job: nil))[1]
        #expect(histogram.filter { $0.attributes["class"] == "bar" }.count == 1)
        #expect(histogram.filter { $0.attributes["class"] == "x-tick" }.count >= 1)
        #expect(!histogram.contains { ($0.attributes["x"] ?? "").contains("nan") || ($0.attributes["x1"] ?? "").contains("nan") })
    }

    @Test func zeroSamplesStillRenders() throws {
        let r = ReportFixture.make(records: [])
        let html = try ReportDocument.render(r, format: .html, job: nil)
        let drawn = try svgs(html)
        #expect(drawn[0].filter { $0.attributes["class"] == "cell" }.count == 9)
        #expect(drawn[1].filter { $0.attributes["class"] == "bar" }.isEmpty)
        #expect(html.contains("no sample was timed"))
        #expect(!html.lowercased().contains("nan"))
    }

    @Test func oneClassModel() throws {
        let r = ReportFixture.make(labels: ["yes"], records: ReportFixture.records(count: 5, classes: 1))
        let matrix = try svgs(try ReportDocument.render(r, format: .html, job: nil))[0]
        #expect(matrix.filter { $0.attributes["class"] == "cell" }.count == 1)
        #expect(matrix.first { $0.attributes["class"] == "count" }?.text == "5")
    }

    @Test func textIsEscaped() throws {
        let labels = ["<script>alert(1)</script>", "a & b", "\"q\""]
        let r = ReportFixture.make(name: "m<i>", labels: labels, records: ReportFixture.records(count: 12, classes: 3, mismatches: [0]))
        let job = ReportFixture.job(reason: "<img src=x onerror=alert(1)>")
        let html = try ReportDocument.render(r, format: .html, job: job)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<i>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("a &amp; b"))
        _ = try svgs(html)
    }

    @Test func thresholdChecksAndVerdictAppear() throws {
        let r = ReportFixture.make(records: ReportFixture.records(count: 40, classes: 3))
        let html = try ReportDocument.render(r, format: .html, job: ReportFixture.job())
        #expect(html.contains("FAILED — job 12 &quot;nightly&quot;"))
        #expect(html.contains("top-1 0.62 &lt; 0.90"))
        #expect(html.contains("p50 27.70 ms (estimated) ≤ 50.00 ms"))
    }
}
