import Deployer
import Foundation

/// Reads an EvaluationReport (schema_version 1) as `hilctl run --json` and hild write it.
/// The writer's snake_case turns `boardRAMBytes` into `board_ram_bytes`, which the decoder's
/// plain convertFromSnakeCase would read back as `boardRamBytes` and miss; so the key mapping
/// here restores such acronyms.
enum ReportJSON {
    enum Failure: Error, CustomStringConvertible {
        case notAReport(String, String)
        case unsupportedSchema(String, Int)
        case unreadable(String, String)
        var description: String {
            switch self {
            case .unreadable(let source, let reason): return "cannot read \(source) (\(reason))"
            case .notAReport(let source, let reason): return "\(source) is not an evaluation report (\(reason))"
            case .unsupportedSchema(let source, let version): return "\(source) has schema_version \(version); this hilctl reads version \(EvaluationReport.schemaVersion)"
            }
        }
    }

    static func decode(_ data: Data, source: String) throws(Failure) -> EvaluationReport {
        struct Version: Decodable { var schemaVersion: Int? }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            let camel = ClientJSON.camelCase(path.last!.stringValue)
            return ClientJSON.Key(ClientJSON.acronyms[camel] ?? camel)
        }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let version = try? decoder.decode(Version.self, from: data).schemaVersion, version != EvaluationReport.schemaVersion {
            throw .unsupportedSchema(source, version)
        }
        do { return try decoder.decode(EvaluationReport.self, from: data) } catch {
            throw .notAReport(source, "\(error)")
        }
    }
}
