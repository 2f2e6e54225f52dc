import Foundation
import Testing
@testable import Deployer

/// The model carries its input contract (docs/model-format.md, "The input contract"): the bench
/// reads the pixel range from the blob, refuses a `--pixels` that contradicts it, and says in the
/// report where the range came from.
@Suite struct InputContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shapes = root.appendingPathComponent("examples/shapes/shapes.hilm").path
    static let holdout = root.appendingPathComponent("examples/shapes/holdout").path

    var catalog: BoardCatalog { get throws { try BoardCatalog(directory: Self.root.appendingPathComponent("boards")) } }
    /// The example model as a writer without the contract wrote it (the shipped one records unit).
    var original: [UInt8] { get throws { ContractBlob.stripping(try ModelFile.load(path: Self.shapes).blob) } }
    var legacy: String { get throws { try ContractBlob.write(try original, name: "legacy") } }

    func request(_ model: String, pixels: PixelRange? = nil, limit: Int = 60) -> RunRequest {
        var r = RunRequest(modelPath: model, datasetPath: Self.holdout)
        r.pixelRange = pixels
        r.limit = limit
        return r
    }

    /// examples/shapes/export.py writes its blob with tools/hilmodel: the Python writer's contract
    /// bytes are the ones this file builds from the spec's table, and the bench reads them.
    @Test func thePythonWritersContractIsTheSpecsBytes() throws {
        let shipped = try ModelFile.load(path: Self.shapes)
        #expect(shipped.summary.inputContract == InputContract(range: .unit, channelOrder: .rgb, sourceLayout: .nchw,
                                                               scale: [1 / 255, 1 / 255, 1 / 255], offset: [0, 0, 0]))
        #expect(ContractBlob.adding(.unit, to: try original) == shipped.blob)
    }

    @Test func theContractIsReadAndTheNetworkIsUnchanged() throws {
        let plain = try ModelFile(blob: try original, path: "legacy.hilm")
        #expect(plain.summary.inputContract == nil)
        let blob = ContractBlob.adding(.centered, to: plain.blob)
        let model = try ModelFile(blob: blob, path: "centered.hilm")
        let contract = try #require(model.summary.inputContract)
        #expect(contract.range == .centered && contract.channelOrder == .rgb && contract.sourceLayout == .nchw)
        #expect(contract.pixelRange == .centered)
        #expect(model.summary.labels == plain.summary.labels && model.summary.name == plain.summary.name)
        // The C runtime skips the extension: the same input gives the same scores.
        let input = (0..<plain.summary.inputBytes).map { Int8(truncatingIfNeeded: $0 &* 37) }
        #expect(ReferenceRuntime(model).predict(input).scores == ReferenceRuntime(plain).predict(input).scores)
    }

    /// Each field a reader cannot honour is refused, naming it.
    @Test(arguments: [
        ("pixel_range", ContractBlob.Fields(range: 6)),
        ("channel_order", ContractBlob.Fields(order: 4)),
        ("channel_order", ContractBlob.Fields(order: 3)),                 // gray for a 3-channel input
        ("source_layout", ContractBlob.Fields(layout: 3)),
        ("reserved byte 75", ContractBlob.Fields(reserved: 1)),
        ("pixel_scale/pixel_offset", ContractBlob.Fields(scale: [1 / 127.5, 1 / 127.5, 1 / 127.5])),  // unit's must be 1/255
        ("pixel_scale/pixel_offset", ContractBlob.Fields(range: 4, scale: [0.01, 0, 0.01], offset: [0, 0, 0])),
        ("pixel_scale/pixel_offset", ContractBlob.Fields(range: 5)),      // none with scales
    ])
    func aContractThisBuildCannotHonourIsRefused(field: String, fields: ContractBlob.Fields) throws {
        let blob = ContractBlob.adding(fields, to: try original)
        #expect {
            _ = try ModelFile(blob: blob, path: "odd.hilm")
        } throws: { error in
            let text = "\(error)"
            return text.contains("odd.hilm") && text.contains("input contract's \(field)")
        }
    }

    /// The trap: without a contract a wrong --pixels silently costs accuracy. With one,
    /// no --pixels is needed and a contradicting one is refused, both ranges named.
    @Test func theRangeComesFromTheModelAndAContradictionIsRefused() throws {
        let runner = EvaluationRunner(catalog: try catalog)
        let path = try ContractBlob.write(ContractBlob.adding(.centered, to: try original), name: "centered")
        let fromModel = try runner.load(request(path))
        #expect(fromModel.input.source == .model && fromModel.input.pixels == "centered")
        // Exactly the inputs an explicit --pixels centered gives on the blob without a contract.
        let explicit = try runner.load(request(try legacy, pixels: .centered))
        #expect(explicit.input.source == .option)
        #expect(fromModel.dataset.samples.map(\.input) == explicit.dataset.samples.map(\.input))
        // Naming the same range again is fine; naming another is refused before any board is touched.
        #expect(try runner.load(request(path, pixels: .centered)).input.source == .model)
        #expect {
            _ = try runner.load(request(path, pixels: .unit))
        } throws: { error in
            guard let e = error as? RunError, case .pixelsContradictModel = e else { return false }
            return !e.isInfrastructure && e.description.contains("centered (x = p/127.5 - 1)")
                && e.description.contains("--pixels says unit (x = p/255)") && e.description.contains(path)
        }
    }

    @Test func aModelWithoutAContractIsAssumedUnitAndSaysSo() throws {
        let loaded = try EvaluationRunner(catalog: try catalog).load(request(try legacy))
        #expect(loaded.input.source == .assumed && loaded.input.pixels == "unit")
        #expect(loaded.input.summary.contains("assumed"))
    }

    /// A model that takes real values records range none: pixels need --pixels, arrays do not.
    @Test func aModelOfRealValuesRefusesPixelsWithoutARange() throws {
        let path = try ContractBlob.write(ContractBlob.adding(.realValues, to: try original), name: "none")
        #expect {
            _ = try EvaluationRunner(catalog: try catalog).load(request(path))
        } throws: { error in "\(error)".contains("records no pixel mapping") }
        let given = try EvaluationRunner(catalog: try catalog).load(request(path, pixels: .unit))
        #expect(given.input.source == .option)
    }

    /// The whole run: the exported unit-contract model with no --pixels measures what the explicit
    /// range measures on the same network without a contract, and the report (text included) says
    /// the range came from the model.
    @Test func aRunWithoutPixelsGetsTheModelsAccuracy() throws {
        let catalog = try catalog
        let legacy = try legacy
        let host = HostEvaluation(catalog: catalog)
        let withContract = try host.run(request(Self.shapes), timer: .estimated, cycles: { _ in 1000 })
        let explicit = try host.run(request(legacy, pixels: .unit), timer: .estimated, cycles: { _ in 1000 })
        let wrong = try host.run(request(legacy, pixels: .centered), timer: .estimated, cycles: { _ in 1000 })
        #expect(withContract.accuracy.correct == explicit.accuracy.correct)
        #expect(wrong.accuracy.correct < explicit.accuracy.correct, "the test needs a model the wrong range hurts")
        #expect(withContract.input?.source == .model)
        let text = ReportRenderer.text(withContract)
        #expect(text.contains("input    pixels unit (x = p/255), from the model; channels rgb"))
        // A host-only run has no line, so no rate.
        #expect(!text.contains("baud"))
        let json = try withContract.json()
        #expect(json.contains("\"input_contract\"") && json.contains("\"source\" : \"model\""))
    }

    /// 500 inputs of 32×32×3 at 115200 baud is over two minutes on the line alone: say so, and
    /// which rate the board's harness takes; not when a rate was chosen or the run is short.
    @Test func aSlowLineSuggestsAFasterRate() throws {
        let hint = try #require(EvaluationRunner.slowLineHint(samples: 500, inputBytes: 3072, bootBaud: 115_200,
                                                              maxBaud: 2_000_000, chosenBaud: nil))
        #expect(hint.contains("at 115200 baud takes at least 133 s") && hint.contains("add --baud 2000000 (about 8 s"))
        #expect(EvaluationRunner.slowLineHint(samples: 500, inputBytes: 3072, bootBaud: 115_200, maxBaud: 2_000_000, chosenBaud: 115_200) == nil)
        #expect(EvaluationRunner.slowLineHint(samples: 60, inputBytes: 3072, bootBaud: 115_200, maxBaud: 2_000_000, chosenBaud: nil) == nil)
        #expect(EvaluationRunner.slowLineHint(samples: 500, inputBytes: 3072, bootBaud: 115_200, maxBaud: 115_200, chosenBaud: nil) == nil)
    }

    @Test func lineUseCannotExceedTheLine() {
        #expect(EvaluationRunner.lineUtilisation(bytes: 11_520, baud: 115_200, seconds: 1) == 1.0 / 1.0 * 11_520 * 10 / 115_200)
        #expect(EvaluationRunner.lineUtilisation(bytes: 1_000_000, baud: 115_200, seconds: 1) == 1)
        #expect(EvaluationRunner.lineUtilisation(bytes: 10, baud: 0, seconds: 1) == 0)
    }
}
