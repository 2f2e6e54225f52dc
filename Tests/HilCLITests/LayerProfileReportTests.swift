import Foundation
import Testing
@testable import Deployer
@testable import HilCLI

/// The per-layer profile in the reports: built from the results, checked for adding up, rendered
/// in every format, and lined up layer by layer by `hilctl compare` where the layer lists match.
@Suite struct LayerProfileReportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shapes = root.appendingPathComponent("examples/shapes/shapes.hilm").path
    static let holdout = root.appendingPathComponent("examples/shapes/holdout").path

    static func hostReport(profile: Int = 3, limit: Int = 12) throws -> EvaluationReport {
        let catalog = try BoardCatalog(directory: root.appendingPathComponent("boards"))
        var request = RunRequest(modelPath: shapes, datasetPath: holdout)
        request.limit = limit
        request.profile = profile
        return try HostRun(catalog: catalog).run(request)
    }

    @Test func aHostRunProfilesItsFirstInputsByTheCostModel() throws {
        let report = try Self.hostReport()
        let p = try #require(report.profile)
        #expect(p.requestedInputs == 3 && p.profiledInputs == 3 && p.timerKind == "estimated")
        #expect(p.layers.map(\.op) == ["conv2d+relu", "max_pool", "conv2d+relu", "max_pool", "conv2d+relu", "global_avg_pool", "fully_connected"])
        #expect(p.layers.map(\.outputShape) == [[32, 32, 16], [16, 16, 16], [16, 16, 32], [8, 8, 32], [8, 8, 32], [1, 1, 32], [1, 1, 6]])
        #expect(p.layers.map(\.macs).reduce(0, +) == report.model.macs)
        #expect(p.layers.map(\.parameters).reduce(0, +) == report.model.parameters)
        #expect(p.layers.map(\.cycles).reduce(0, +) == p.layerCyclesTotal)
        #expect(abs(p.layers.map(\.share).reduce(0, +) - 1) < 1e-9)
        #expect(p.layers.filter { $0.macs == 0 }.allSatisfy { $0.cyclesPerMac == nil })
        // the second convolution takes half the time on its own: it alone is marked
        #expect(p.layers.filter(\.hot).map(\.index) == [2])
        #expect(ProfileReport.addsUp(sum: p.layerCyclesTotal, whole: p.inferenceCycles))
        #expect(try Self.hostReport(profile: 0).profile == nil)
    }

    @Test func layersThatDoNotAddUpAreTheHarnessesError() throws {
        let model = try ModelFile.load(path: Self.shapes)
        let wrong = LayerProfile(layerCycles: Array(repeating: 1_000, count: 7), layerCount: 7, arenaPeakBytes: 20_480, stackPeakBytes: 700)
        #expect {
            _ = try ProfileReport.build(model: model, profiled: [(cycles: 6_000_000, profile: wrong)], requested: 1,
                                        timer: ("DWT cycle counter", "measured"), coreClockHz: 216_000_000, arenaAvailableBytes: 200 * 1024)
        } throws: { error in
            guard let e = error as? RunError, case .profileDoesNotAddUp(7_000, 6_000_000) = e else { return false }
            return e.isInfrastructure && e.description.contains("adds up to 7000 cycles but the same inference took 6000000")
        }
        // over the harness's layer limit: no cycles, said so, no error
        let unrecorded = LayerProfile(layerCycles: [], layerCount: 7, arenaPeakBytes: nil, stackPeakBytes: nil)
        let p = try #require(try ProfileReport.build(model: model, profiled: [(cycles: 1, profile: unrecorded)], requested: 1,
                                                     timer: ("x", "measured"), coreClockHz: 1, arenaAvailableBytes: 1))
        #expect(p.layers.isEmpty && p.profiledInputs == 0 && p.note?.contains("more than the harness records") == true)
    }

    @Test func everyFormatCarriesTheTable() throws {
        let report = try Self.hostReport()
        let text = ReportRenderer.text(report)
        #expect(text.contains("layers   median of 3 profiled input(s)"))
        let hotLine = try #require(text.split(separator: "\n").first { $0.contains("16×16×32") && $0.contains("conv2d+relu") })
        #expect(hotLine.hasSuffix(" *"))
        let markdown = MarkdownReport(report: report, job: nil).render()
        #expect(markdown.contains("## Layers") && markdown.contains("| 2 | **conv2d+relu** | 16×16×32 | 4640 | 1179648 |"))
        let html = HTMLReport(report: report, job: nil).render()
        #expect(html.contains("<h2>Layers</h2>") && html.contains("class=\"bar hot\"") && html.components(separatedBy: "<span class=\"bar\"><span").count == 7, "\(html.components(separatedBy: "<span class=\"bar\"><span").count)")
        let junit = JUnitReport(report: report, job: nil).render()
        #expect(junit.contains("name=\"layer_2_op\" value=\"conv2d+relu\"") && junit.contains("name=\"profiled_inputs\" value=\"3\""))
        // JSON (schema 2) carries it and reads back
        let decoded = try ReportJSON.decode(Data(try report.json().utf8), source: "test")
        #expect(decoded.schemaVersion == 2 && decoded.profile?.layers == report.profile?.layers)
        #expect(ReportCommand.layerText(report, job: 1).hasPrefix("layers   median of 3"))
    }

    /// A pruned network keeps its layers' operators and order: they line up one to one. Another
    /// network is compared by totals, and the comparison says where the lists part.
    @Test func compareLinesUpLayersWhereTheListsMatch() throws {
        let a = try Self.hostReport()
        let p = try #require(a.profile)
        let faster = p.layers.map { l in
            ProfileReport.Layer(index: l.index, op: l.op, outputShape: l.outputShape, parameters: l.parameters / 2, macs: l.macs / 2,
                                cycles: l.cycles / 2, microseconds: l.microseconds / 2, cyclesPerMac: l.cyclesPerMac, share: l.share, hot: l.hot)
        }
        let b = Self.replacing(a, layers: faster)
        let c = RunComparison(ComparedRun(label: "A", report: a), ComparedRun(label: "B", report: b))
        #expect(c.layers.verdict == nil && c.layers.rows.count == 7)
        #expect(c.layers.rows[2].cyclesB * 2 <= c.layers.rows[2].cyclesA + 1 && abs((c.layers.rows[2].ratio ?? 0) - 0.5) < 0.001)
        let text = try c.render(.text)
        #expect(text.contains("layers (median cycles of the profiled inputs)") && text.contains("0.500×"))
        #expect(try c.render(.json).contains("\"layers\""))

        var other = faster
        other[1] = ProfileReport.Layer(index: 1, op: "avg_pool", outputShape: [16, 16, 16], parameters: 0, macs: 0, cycles: 10,
                                       microseconds: 0, cyclesPerMac: nil, share: 0, hot: false)
        let d = RunComparison(ComparedRun(label: "A", report: a), ComparedRun(label: "C", report: Self.replacing(a, layers: other)))
        #expect(d.layers.rows.isEmpty)
        #expect(d.layers.verdict == "the layer lists differ at layer 1 (A: max_pool, C: avg_pool): different networks, compared by their totals only")
        #expect(try d.render(.markdown).contains("compared by their totals only"))
    }

    static func replacing(_ r: EvaluationReport, layers: [ProfileReport.Layer]) -> EvaluationReport {
        let p = r.profile!
        let profile = ProfileReport(requestedInputs: p.requestedInputs, profiledInputs: p.profiledInputs, timer: p.timer, timerKind: p.timerKind,
                                    layers: layers, layerCyclesTotal: layers.map(\.cycles).reduce(0, +), inferenceCycles: p.inferenceCycles,
                                    memory: p.memory, note: nil)
        return EvaluationReport(model: r.model, board: r.board, dataset: r.dataset, records: r.samples, throughput: r.throughput,
                                footprint: r.footprint, link: r.link, input: r.input, profile: profile)
    }
}
