import Deployer
import Foundation

/// Reads an EvaluationReport (schema_version 2) as `hilctl run --json` and hild write it.
enum ReportJSON {
    enum Failure: Error, CustomStringConvertible {
        case notAReport(String, String)
        case unsupportedSchema(String, Int)
        case unreadable(String, String)
        var description: String {
            switch self {
            case .unreadable(let source, let reason): return "cannot read \(source) (\(reason))"
            case .notAReport(let source, let reason): return "\(source) is not an evaluation report (\(reason))"
            case .unsupportedSchema(let source, let version): return "\(source) has schema_version \(version); this hilctl reads versions 1 to \(EvaluationReport.schemaVersion)"
            }
        }
    }

    static func decode(_ data: Data, source: String) throws(Failure) -> EvaluationReport {
        struct Version: Decodable { var schemaVersion: Int? }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let version = try? decoder.decode(Version.self, from: data).schemaVersion, !(1...EvaluationReport.schemaVersion).contains(version) {
            throw .unsupportedSchema(source, version)
        }
        do { return try decoder.decode(EvaluationReport.self, from: data) } catch {
            throw .notAReport(source, "\(error)")
        }
    }
}
