import Foundation
import HilAPI

/// Where hild listens, as hilctl was told: a Unix socket (the default, no token needed) or TCP,
/// where the daemon asks for a bearer token.
public enum HildEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// `unix:///run/hild/hild.sock`, a bare path, or `http://HOST:PORT` (IPv6 as `http://[::1]:PORT`).
    public init(parsing text: String) throws(ClientError) {
        let given = text.trimmingCharacters(in: .whitespaces)
        guard !given.isEmpty else { throw .badEndpoint(text, "it is empty") }
        if given.hasPrefix("unix://") {
            let path = String(given.dropFirst("unix://".count))
            guard !path.isEmpty else { throw .badEndpoint(text, "it names no socket path; write unix:///path/to/hild.sock") }
            self = .unix(path: path)
        } else if given.hasPrefix("http://") {
            self = try Self.parseHostPort(String(given.dropFirst("http://".count)), given: text)
        } else if given.hasPrefix("https://") {
            throw .badEndpoint(text, "hilctl speaks plain HTTP with a bearer token; reach a TLS endpoint through a tunnel (ssh -L) and give http://localhost:PORT")
        } else if given.contains("://") {
            throw .badEndpoint(text, "the scheme is neither unix:// nor http://")
        } else if !given.contains("/"), given.firstMatch(of: /^[^:\/]+:[0-9]+$/) != nil {
            // `localhost:8080` would otherwise be taken for a socket file of that name.
            throw .badEndpoint(text, "a TCP address needs its scheme: did you mean http://\(given)?")
        } else {
            self = .unix(path: given)
        }
    }

    private static func parseHostPort(_ rest: String, given: String) throws(ClientError) -> HildEndpoint {
        var authority = Substring(rest)
        if let slash = authority.firstIndex(of: "/") {
            guard authority[slash...].allSatisfy({ $0 == "/" }) else {
                throw .badEndpoint(given, "hilctl adds the API paths itself; give only http://HOST:PORT")
            }
            authority = authority[..<slash]
        }
        let host: Substring
        let portText: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .badEndpoint(given, "the IPv6 address has no closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.hasPrefix(":") else { throw .badEndpoint(given, "it names no port; write http://[\(host)]:PORT") }
            portText = after.dropFirst()
        } else {
            guard let colon = authority.lastIndex(of: ":") else { throw .badEndpoint(given, "it names no port; write http://\(authority):PORT") }
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .badEndpoint(given, "it names no host") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .badEndpoint(given, "'\(portText)' is not a port number (1-65535)")
        }
        return .tcp(host: String(host), port: port)
    }

    /// `--host` when given, else `$HILD_SOCKET`, else the default socket path hild uses.
    public static func resolve(host: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientError) -> HildEndpoint {
        if let host { return try HildEndpoint(parsing: host) }
        if let socket = environment["HILD_SOCKET"], !socket.isEmpty { return try HildEndpoint(parsing: socket) }
        return .unix(path: DefaultSocket.path(environment: environment))
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port): return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        }
    }

    /// The Host header: a Unix socket has no host name, and HTTP/1.1 requires the header anyway.
    var hostHeader: String {
        switch self {
        case .unix: return "localhost"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
