/// Where and how hild serves its API.
public struct APIServerConfiguration: Sendable, Equatable {
    /// The optional TCP listener (a struct rather than a tuple so the configuration stays Sendable and Equatable).
    public struct TCPListener: Sendable, Equatable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) { self.host = host; self.port = port }
    }

    /// Always served. The file gets mode 0660 after bind: its permissions are the access control.
    public var unixSocketPath: String
    /// A second listener for remote clients; needs `bearerToken`.
    public var tcp: TCPListener?
    /// Required when `tcp` is set; TCP requests other than `GET /healthz` must carry it.
    public var bearerToken: String?
    /// Artifact uploads beyond this are refused with 413 (the body is read no further).
    public var maxUploadBytes: Int
    /// JSON request bodies (a JobSpec) beyond this are refused with 413.
    public var maxJSONBytes: Int
    /// How long an event stream may stay silent before a `: keep-alive` comment, so proxies keep it open.
    public var keepAliveInterval: Duration

    public init(unixSocketPath: String, tcp: TCPListener? = nil, bearerToken: String? = nil,
                maxUploadBytes: Int = 512 << 20, maxJSONBytes: Int = 1 << 20,
                keepAliveInterval: Duration = .seconds(15)) {
        self.unixSocketPath = unixSocketPath; self.tcp = tcp; self.bearerToken = bearerToken
        self.maxUploadBytes = maxUploadBytes; self.maxJSONBytes = maxJSONBytes
        self.keepAliveInterval = keepAliveInterval
    }

    /// Refuses a configuration that would serve TCP without a token, so a typo in hild's config can
    /// never open the bench to the network unauthenticated. `APIServer.run()` calls it first.
    public func validate() throws(APIServerError) {
        if unixSocketPath.isEmpty {
            throw APIServerError("the Unix socket path is empty: set it (or HILD_SOCKET) to where hild should listen")
        }
        // sockaddr_un holds 108 bytes including the terminating NUL.
        if unixSocketPath.utf8.count > 107 {
            throw APIServerError("the Unix socket path \(unixSocketPath) is \(unixSocketPath.utf8.count) bytes long; "
                + "socket paths may be at most 107: choose a shorter path")
        }
        if let tcp {
            guard let token = bearerToken, !token.isEmpty else {
                throw APIServerError("listening on TCP \(tcp.host):\(tcp.port) needs a bearer token: "
                    + "set one (clients send it as 'Authorization: Bearer <token>') or drop the TCP listener")
            }
            if !(0...65535).contains(tcp.port) {
                throw APIServerError("TCP port \(tcp.port) is out of range: choose 1…65535 (or 0 for any free port)")
            }
        }
        if maxUploadBytes <= 0 || maxJSONBytes <= 0 {
            throw APIServerError("max_upload_bytes and max_json_bytes must be positive")
        }
    }
}

/// Why the API server could not start: a sentence for hild's log and exit message.
public struct APIServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
