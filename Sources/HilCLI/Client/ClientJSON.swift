import Foundation
import HilAPI

/// APIJSON's decoder, with acronyms restored. The API encodes `jobID` as `job_id`, and plain
/// convertFromSnakeCase reads that back as `jobId`, which JobEvent does not have; so every answer
/// hilctl decodes goes through this mapping instead.
enum ClientJSON {
    /// camelCase forms that convertFromSnakeCase produces, and the property names they stand for.
    static let acronyms = ["jobId": "jobID", "boardRamBytes": "boardRAMBytes"]

    static func decoder() -> JSONDecoder {
        let decoder = APIJSON.decoder()
        decoder.keyDecodingStrategy = .custom { path in
            let camel = camelCase(path.last!.stringValue)
            return Key(acronyms[camel] ?? camel)
        }
        return decoder
    }

    /// `max_p50_ms` → `maxP50Ms`, as JSONDecoder's convertFromSnakeCase does (leading and
    /// trailing underscores kept).
    static func camelCase(_ key: String) -> String {
        guard key.contains("_") else { return key }
        let core = key.drop { $0 == "_" }
        let leading = key.prefix(key.count - core.count)
        let trimmed = core.reversed().drop { $0 == "_" }
        let trailing = String(repeating: "_", count: core.count - trimmed.count)
        let words = String(trimmed.reversed()).split(separator: "_")
        guard let first = words.first else { return key }
        return leading + first + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + trailing
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
