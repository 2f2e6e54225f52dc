import Foundation
import HilAPI

/// What can go wrong between hilctl and hild. The messages name the endpoint or the input and say
/// what to do; `exitCode` tells a CI job whose fault it was.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing answered: no socket, connection refused, or no answer in time.
    case unreachable(HildEndpoint, String)
    /// hild answered with a 4xx/5xx: its own error body, or the status and raw text when it had none.
    case api(APIError)
    /// hild answered something hilctl cannot read (not HTTP, not the JSON it expects, cut short).
    case protocolError(String)
    /// `--host` or `HILD_SOCKET` is not an address hilctl understands.
    case badEndpoint(String, String)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "cannot reach hild at \(endpoint) (\(reason)): is it running? start it with `hild`, or point hilctl at it with --host or HILD_SOCKET"
        case .api(let error):
            return "hild refused: \(error.message) (HTTP \(error.status), \(error.code))"
        case .protocolError(let reason):
            return "hild answered something hilctl cannot read: \(reason)"
        case .badEndpoint(let given, let reason):
            return "'\(given)' is not an address of hild (\(reason)); give unix:///path/to/hild.sock, a socket path, or http://HOST:PORT"
        }
    }

    /// 4xx: the request was refused (1). Unreachable, 5xx, garbled answers: the bench failed (3).
    /// A bad address is a usage error (64).
    public var exitCode: Int32 {
        switch self {
        case .api(let error): return (400..<500).contains(error.status) ? ExitCodes.failed : ExitCodes.infrastructure
        case .unreachable, .protocolError: return ExitCodes.infrastructure
        case .badEndpoint: return ExitCodes.usage
        }
    }

    /// The error of a 4xx/5xx answer: the APIErrorBody when the body is one, else the status and text.
    static func fromResponse(status: Int, body: Data) -> ClientError {
        if let decoded = try? APIJSON.decoder().decode(APIErrorBody.self, from: body) {
            return .api(APIError(status: decoded.error.status, code: decoded.error.code, message: decoded.error.message))
        }
        var text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { text = "no error body" }
        return .api(APIError(status: status, code: "http_\(status)", message: text))
    }
}
