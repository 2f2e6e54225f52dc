import Deployer
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HilAPI
import Testing
@testable import HilCLI

/// Parses XML with Foundation's parser and keeps every element with its attributes and text, in
/// document order: a parse error means the document is not well-formed.
final class XMLCollector: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String]; var text = "" }
    var elements: [Element] = []
    private var open: [Int] = []

    static func parse(_ xml: String) throws -> [Element] {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = XMLCollector()
        parser.delegate = collector
        guard parser.parse() else {
            throw parser.parserError ?? CocoaError(.coderReadCorrupt)
        }
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { elements[i].text += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
}

@Suite struct ReportJUnitTests {
    let report = ReportFixture.make(records: ReportFixture.records(count: 120, classes: 3, mismatches: [5, 9]))

    @Test func suiteHasACasePerCheckAndTheAgreementCase() throws {
        let xml = try ReportDocument.render(report, format: .junit, job: ReportFixture.job())
        let e = try XMLCollector.parse(xml)
        let suites = e.filter { $0.name == "testsuite" }
        #expect(suites.count == 1)
        #expect(suites[0].attributes["name"] == "hil: shapes on mock-f746")
        #expect(suites[0].attributes["tests"] == "3")
        #expect(suites[0].attributes["failures"] == "2")
        #expect(suites[0].attributes["errors"] == "0")
        #expect(suites[0].attributes["time"] == "4.200")
        let cases = e.filter { $0.name == "testcase" }.map { $0.attributes["name"] ?? "" }
        #expect(cases == ["threshold min_top1", "threshold max_p50_ms", "device equals host reference"])
        let failures = e.filter { $0.name == "failure" }
        #expect(failures[0].attributes["message"] == "top-1 0.62 < 0.90")
        #expect(failures[1].text.contains("#5 img_5.png"))
        #expect(failures[1].attributes["message"]?.hasPrefix("2 of 120 samples") == true)
    }

    @Test func propertiesCarryTheFiguresWithUnits() throws {
        let e = try XMLCollector.parse(ReportDocument.render(report, format: .junit, job: nil))
        var p: [String: String] = [:]
        for x in e where x.name == "property" { p[x.attributes["name"]!] = x.attributes["value"]! }
        #expect(p["top1"] == "0.75")
        #expect(p["timer_kind"] == "estimated")
        #expect(p["board_ram_bytes"] == "327680")
        let p50 = try #require(p["latency_p50_ms"].flatMap(Double.init))
        #expect(abs(p50 - report.latency!.microseconds.median / 1000) < 1e-3)
        // Without a job there are no checks: only the agreement case.
        #expect(e.filter { $0.name == "testcase" }.count == 1)
    }

    @Test(arguments: [JobState.errored, .cancelled])
    func anUnfinishedJobIsAnError(state: JobState) throws {
        let job = ReportFixture.job(state: state, reason: "QEMU exited (signal 9) <during> \"streaming\" & retries ran out", checks: [])
        let e = try XMLCollector.parse(ReportDocument.render(report, format: .junit, job: job))
        let errors = e.filter { $0.name == "error" }
        #expect(errors.count == 1)
        #expect(errors[0].attributes["message"] == "QEMU exited (signal 9) <during> \"streaming\" & retries ran out")
        #expect(errors[0].attributes["type"] == state.rawValue)
        #expect(e.first { $0.name == "testsuite" }?.attributes["errors"] == "1")
    }

    @Test func hostileLabelsAndNamesAreEscaped() throws {
        let labels = ["<b>", "a & b", "\"quoted\"", "it's", "ctl\u{1}char"]
        let r = ReportFixture.make(name: "net<&>\"'", board: "board \"x\" & <y>", labels: labels,
                                   records: ReportFixture.records(count: 20, classes: 5, mismatches: [1, 2, 3]))
        let xml = try ReportDocument.render(r, format: .junit, job: ReportFixture.job())
        #expect(!xml.contains("<b>"))
        let e = try XMLCollector.parse(xml)
        #expect(e.first { $0.name == "testsuite" }?.attributes["name"] == "hil: net<&>\"' on board \"x\" & <y>")
        let detail = e.first { $0.name == "failure" && $0.attributes["type"] == "agreement" }?.text ?? ""
        #expect(detail.contains("device a & b, host \"quoted\""))
    }

    @Test func aFailedJobWithPassingChecksStillFails() throws {
        let job = ReportFixture.job(state: .failed, reason: "the dataset has a label the model lacks", checks: [])
        let e = try XMLCollector.parse(ReportDocument.render(report, format: .junit, job: job))
        #expect(e.contains { $0.name == "failure" && $0.attributes["message"] == "the dataset has a label the model lacks" })
    }
}
