import Foundation
import Testing
@testable import Deployer

/// The exporter and the bench read datasets by one set of rules (docs/datasets.md). The cases in
/// Fixtures/parity were written by the exporter's reader (tools/hilexport/tests/make_parity_fixtures.py,
/// checked on the Python side by test_parity.py): for each array set and model, the samples in
/// order with their int8 bytes, or the refusal. Here the bench must give the same answer, byte for
/// byte and word for word; the one difference is the option a remedy names (hil-export's
/// "give --input-range" is hilctl's "give --pixels").
@Suite struct ReaderParityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("parity")

    struct Case: Decodable, CustomTestStringConvertible {
        struct Model: Decodable {
            let c: Int, h: Int, w: Int
            let labels: [String]
            let pixels: Pixels?
            let layout: String
            let scale: Float
            let zero_point: Int32
        }
        enum Pixels: Decodable {
            case named(String)
            case affine(scale: [Float], offset: [Float])
            init(from decoder: Decoder) throws {
                if let name = try? decoder.singleValueContainer().decode(String.self) {
                    self = .named(name)
                    return
                }
                struct Affine: Decodable { let scale: [Float], offset: [Float] }
                let a = try decoder.singleValueContainer().decode(Affine.self)
                self = .affine(scale: a.scale, offset: a.offset)
            }
        }
        struct Expect: Decodable {
            let error: String?
            let available: Int?
            let labels: [Int]?
            let rows: [Int]?
            let inputs: [String]?
        }
        let name: String
        let path: String
        let model: Model
        let limit: Int?
        let expect: Expect
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let url = root.appendingPathComponent("cases.json")
        guard let data = try? Data(contentsOf: url), let cases = try? JSONDecoder().decode([Case].self, from: data) else { return [] }
        return cases
    }()

    @Test func theFixturesArePresent() {
        #expect(Self.cases.count >= 20, "Fixtures/parity/cases.json is missing or unreadable")
    }

    static func spec(_ m: Case.Model) -> ModelInputSpec {
        let range: PixelRange?
        switch m.pixels {
        case .named("unit"): range = .unit
        case .named("centered"): range = .centered
        case .named("raw"): range = .raw
        case .affine(let scale, let offset): range = .affine(scale: scale, offset: offset)
        default: range = nil
        }
        let layout: InputContract.Layout = m.layout == "nchw" ? .nchw : m.layout == "nhwc" ? .nhwc : .notRecorded
        return ModelInputSpec(height: m.h, width: m.w, channels: m.c, scale: m.scale, zeroPoint: m.zero_point,
                              labels: m.labels, pixelRange: range, sourceLayout: layout)
    }

    static func hex(_ bytes: [Int8]) -> String {
        bytes.map { String(format: "%02x", UInt8(bitPattern: $0)) }.joined()
    }

    @Test(arguments: cases)
    func theBenchAnswersAsTheExporter(_ c: Case) throws {
        let folder = Self.root.appendingPathComponent(String(c.path.split(separator: "/")[0])).path
        let path = Self.root.appendingPathComponent(c.path).path
        let spec = Self.spec(c.model)
        if let expected = c.expect.error {
            let wanted = expected.replacingOccurrences(of: "{path}", with: folder)
                .replacingOccurrences(of: "give --input-range", with: "give --pixels")
            #expect(throws: DatasetError.self) { try Dataset.load(path: path, spec: spec, limit: c.limit) }
            do {
                _ = try Dataset.load(path: path, spec: spec, limit: c.limit)
            } catch {
                #expect(error.description == wanted)
            }
            return
        }
        let set = try Dataset.load(path: path, spec: spec, limit: c.limit)
        #expect(set.availableCount == c.expect.available)
        #expect(set.samples.map(\.label) == c.expect.labels)
        let rows = set.samples.map { sample -> Int in
            let open = sample.source.lastIndex(of: "[")!
            return Int(sample.source[sample.source.index(after: open)..<sample.source.index(before: sample.source.endIndex)])!
        }
        #expect(rows == c.expect.rows)
        #expect(set.samples.map { Self.hex($0.input) } == c.expect.inputs)
    }
}
