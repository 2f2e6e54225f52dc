import Foundation

/// The API's JSON conventions, shared by hild and hilctl: snake_case keys (as the run report),
/// ISO 8601 dates with fractional seconds, sorted keys so documents diff cleanly.
public enum APIJSON {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            for style in [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()] {
                if let date = try? style.parse(text) { return date }
            }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an ISO 8601 date")
        }
        return d
    }
}

/// The body of every 4xx/5xx answer: `{"error": {"status": 404, "code": "job_not_found", "message": "…"}}`.
public struct APIErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public var status: Int
        public var code: String
        public var message: String
    }
    public var error: Detail
    public init(_ e: APIError) { error = Detail(status: e.status, code: e.code, message: e.message) }
}

/// An error the API answers with: the HTTP status, a stable code a client can branch on, and a
/// message that names the input and what to do.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public init(status: Int, code: String, message: String) { self.status = status; self.code = code; self.message = message }

    public var description: String { message }

    public static func badRequest(_ message: String, code: String = "bad_request") -> APIError { APIError(status: 400, code: code, message: message) }
    public static func notFound(_ message: String, code: String = "not_found") -> APIError { APIError(status: 404, code: code, message: message) }
    public static func conflict(_ message: String, code: String = "conflict") -> APIError { APIError(status: 409, code: code, message: message) }
    public static func tooLarge(_ message: String) -> APIError { APIError(status: 413, code: "too_large", message: message) }
    public static func unavailable(_ message: String, code: String = "unavailable") -> APIError { APIError(status: 503, code: code, message: message) }
    public static func insufficientStorage(_ message: String) -> APIError { APIError(status: 507, code: "insufficient_storage", message: message) }
}

/// `GET /healthz`.
public struct HealthStatus: Codable, Sendable, Equatable {
    public var status: String          // "ok"
    public var version: String
    public var boards: Int
    public var queued: Int
    public var running: Int
    public init(status: String = "ok", version: String, boards: Int, queued: Int, running: Int) {
        self.status = status; self.version = version; self.boards = boards; self.queued = queued; self.running = running
    }
}

/// Exit codes of hilctl, for CI jobs to gate on.
public enum ExitCodes {
    public static let passed: Int32 = 0
    /// The run reached a verdict and it is "failed" (thresholds missed, input refused).
    public static let failed: Int32 = 1
    public static let cancelled: Int32 = 2
    /// The bench failed: hild unreachable, board or probe errors after retries.
    public static let infrastructure: Int32 = 3
    public static let usage: Int32 = 64
}

/// Where hild listens and hilctl looks when neither `--socket`/`--host` nor `HILD_SOCKET` says:
/// `$XDG_RUNTIME_DIR/hil/hild.sock`, else `/tmp/hil-<uid>/hild.sock`. The systemd unit sets
/// `HILD_SOCKET=/run/hild/hild.sock`.
public enum DefaultSocket {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["HILD_SOCKET"], !explicit.isEmpty { return explicit }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/hil/hild.sock" }
        return "/tmp/hil-\(getuid())/hild.sock"
    }
}
