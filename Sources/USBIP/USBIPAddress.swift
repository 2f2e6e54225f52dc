/// Where a device exported over USB/IP is: `usbip://HOST[:PORT]/BUSID` (port 3240 when omitted;
/// an IPv6 host in brackets). BUSID is what `usbip list -r HOST` shows, e.g. `1-1`.
public struct USBIPAddress: Hashable, Sendable, CustomStringConvertible {
    public static let scheme = "usbip://"
    public var host: String
    public var port: Int
    public var busid: String

    public init(host: String, port: Int = USBIPOp.defaultPort, busid: String) {
        self.host = host; self.port = port; self.busid = busid
    }

    /// True when `text` is meant as a USB/IP address (it starts with the scheme), well formed or not.
    public static func looksLikeAddress(_ text: String) -> Bool { text.lowercased().hasPrefix(scheme) }

    public init(parsing text: String) throws(USBIPAddressError) {
        guard Self.looksLikeAddress(text) else { throw .init(text, "it does not start with usbip://") }
        let rest = text.dropFirst(Self.scheme.count)
        guard let slash = rest.firstIndex(of: "/") else { throw .init(text, "it names no bus id after the host") }
        let authority = rest[..<slash]
        let busid = String(rest[rest.index(after: slash)...])
        guard !busid.isEmpty, busid.count < 32, !busid.contains("/"), busid.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw .init(text, "the bus id '\(busid)' is not one (it looks like 1-1)")
        }
        var host = Substring(authority), portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .init(text, "the IPv6 host has no closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .init(text, "'\(after)' after the host") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .init(text, "it names no host") }
        var port = USBIPOp.defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw .init(text, "the port '\(portText)' is not a number from 1 to 65535") }
            port = p
        }
        self.init(host: String(host), port: port, busid: busid)
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(Self.scheme)\(h):\(port)/\(busid)"
    }

    /// HOST:PORT, for messages about the server rather than the device.
    public var server: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A USB/IP address that cannot be used, with the text given and how to write it.
public struct USBIPAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let problem: String
    init(_ text: String, _ problem: String) { self.text = text; self.problem = problem }
    public var description: String {
        "'\(text)' is not a USB/IP probe address: \(problem); write usbip://HOST[:PORT]/BUSID, e.g. usbip://192.168.1.20:3240/1-1 (`usbip list -r HOST` lists the bus ids a server exports)"
    }
}
