import Deployer
import Foundation

/// The comparison as JSON: `{"a": {...}, "b": {...}, "rows": [...], "warnings": [...]}`, snake_case
/// like the report itself. A missing figure, ratio or difference is an explicit null, so a reader
/// can tell "not measured" from "key renamed".
extension RunComparison {
    struct RunJSON: Encodable {
        let label, model, modelSha256, board, boardKind, timer, timerKind, dataset: String
        let samples: Int
        let coreClockHz: Int

        init(_ run: ComparedRun) {
            let r = run.report
            label = run.label; model = r.model.name; modelSha256 = r.model.sha256
            board = r.board.name; boardKind = r.board.kind
            timer = r.latency?.timer ?? r.board.timer; timerKind = RunComparison.timerKind(r)
            dataset = r.dataset; samples = r.accuracy.total; coreClockHz = r.board.coreClockHz
        }
    }

    struct RowJSON: Encodable {
        let metric, unit: String
        let a, b, ratio, difference: Double?

        enum CodingKeys: String, CodingKey { case metric, unit, a, b, ratio, difference }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(metric, forKey: .metric)
            try c.encode(unit, forKey: .unit)
            // encode(_: Double?) writes null; the synthesised encodeIfPresent would drop the key.
            try c.encode(a, forKey: .a)
            try c.encode(b, forKey: .b)
            try c.encode(ratio, forKey: .ratio)
            try c.encode(difference, forKey: .difference)
        }
    }

    struct DocumentJSON: Encodable {
        let a, b: RunJSON
        let rows: [RowJSON]
        let warnings: [String]
        let layers: LayerComparison
    }

    func json() throws -> String {
        let doc = DocumentJSON(a: RunJSON(a), b: RunJSON(b),
                               rows: rows.map { RowJSON(metric: $0.metric, unit: $0.unit, a: $0.a, b: $0.b, ratio: $0.ratio, difference: $0.difference) },
                               warnings: warnings, layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(doc), as: UTF8.self)
    }
}
