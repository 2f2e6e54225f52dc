import Foundation
import HilAPI
import NIOCore
import NIOHTTP1
import NIOPosix

/// One request to hild. `path` includes the query (`/v1/jobs?state=queued`).
public struct HildRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var contentType: String?
    /// Overrides the client's request timeout (uploads take longer).
    public var timeout: Duration?

    public init(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil,
                headers: [(name: String, value: String)] = [], timeout: Duration? = nil) {
        self.method = method; self.path = path; self.body = body; self.contentType = contentType
        self.headers = headers; self.timeout = timeout
    }
}

/// hild's answer, whatever its status.
public struct HildResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    public var isSuccess: Bool { (200..<300).contains(status) }
    public func header(_ name: String) -> String? { headers.first(name: name) }
}

/// An HTTP/1.1 client for hild over a Unix socket or TCP, on SwiftNIO's async channel API. One
/// connection per request (`Connection: close`): hilctl makes a handful of requests per command,
/// and a fresh connection never meets a half-closed keep-alive socket.
public struct HildClient: Sendable {
    public let endpoint: HildEndpoint
    public let token: String?
    public var connectTimeout: Duration = .seconds(5)
    public var requestTimeout: Duration = .seconds(60)
    let group: any EventLoopGroup

    public init(endpoint: HildEndpoint, token: String? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.endpoint = endpoint
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.group = group
    }

    typealias HTTPChannel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// Sends the request and collects the whole answer. Any status is returned; only "no answer"
    /// throws (`.unreachable`, `.protocolError`).
    public func send(_ request: HildRequest) async throws(ClientError) -> HildResponse {
        let channel = try await connect()
        let timeout = request.timeout ?? requestTimeout
        let deadline = Deadline(channel: channel.channel)
        deadline.arm(after: timeout)
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                // hild may answer (and close) before the request is fully written, e.g. refusing
                // an upload early; its answer still counts, so a failed write is held back until
                // the answer is known to be missing.
                var writeError: (any Error)?
                do { try await write(request, to: outbound) } catch { writeError = error }
                var head: HTTPResponseHead?
                var body = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let h): head = h
                    case .body(var chunk): body.writeBuffer(&chunk)
                    case .end:
                        guard let head else { throw ClientError.protocolError("an answer without a status line") }
                        return HildResponse(status: Int(head.status.code), headers: head.headers, body: Data(body.readableBytesView))
                    }
                }
                if let writeError { throw writeError }
                throw ClientError.protocolError("hild closed the connection before its answer to \(request.method) \(request.path) was complete")
            }
        } catch {
            throw failure(error, deadline: deadline, timeout: timeout, request: request)
        }
    }

    /// How a stream ended without an error.
    public enum StreamEnd: Sendable, Equatable {
        /// `onEvent` asked to stop.
        case stopped
        /// hild ended the stream.
        case ended
    }

    /// Opens a `text/event-stream` and hands each event to `onEvent` as it arrives; `onEvent`
    /// returns false to stop. A stream silent for `idleTimeout` (hild sends keep-alive comments
    /// more often) counts as dropped. A 4xx/5xx answer throws `.api`.
    public func stream(_ request: HildRequest, idleTimeout: Duration = .seconds(45),
                       onEvent: (ServerSentEvent) async throws -> Bool) async throws -> StreamEnd {
        var request = request
        if !request.headers.contains(where: { $0.name.lowercased() == "accept" }) {
            request.headers.append((name: "Accept", value: "text/event-stream"))
        }
        let channel = try await connect()
        let deadline = Deadline(channel: channel.channel)
        deadline.arm(after: requestTimeout)
        defer { deadline.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await write(request, to: outbound)
                var parser = ServerSentEventParser()
                var status = 0
                var errorBody = ByteBuffer()
                for try await part in inbound {
                    deadline.arm(after: idleTimeout)
                    switch part {
                    case .head(let head):
                        status = Int(head.status.code)
                        let type = head.headers.first(name: "content-type") ?? ""
                        if (200..<300).contains(status) && !type.lowercased().hasPrefix("text/event-stream") {
                            throw ClientError.protocolError("\(request.path) answered \(type.isEmpty ? "no content type" : type), not an event stream")
                        }
                    case .body(var chunk):
                        guard (200..<300).contains(status) else { errorBody.writeBuffer(&chunk); continue }
                        for event in parser.feed(chunk.readableBytesView) {
                            if try await !onEvent(event) { return .stopped }
                        }
                    case .end:
                        guard (200..<300).contains(status) else {
                            throw ClientError.fromResponse(status: status, body: Data(errorBody.readableBytesView))
                        }
                        parser.finish()
                        return .ended
                    }
                }
                throw ClientError.protocolError("the event stream of \(request.path) was cut off")
            }
        } catch let error as ClientError {
            throw failure(error, deadline: deadline, timeout: idleTimeout, request: request)
        } catch where isTransport(error) {
            throw failure(error, deadline: deadline, timeout: idleTimeout, request: request)
        }
    }

    private func write(_ request: HildRequest, to outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "User-Agent", value: "hilctl")
        headers.add(name: "Connection", value: "close")
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body = request.body {
            headers.add(name: "Content-Length", value: String(body.count))
            headers.add(name: "Content-Type", value: request.contentType ?? "application/octet-stream")
        } else if request.method == .POST || request.method == .PUT {
            headers.add(name: "Content-Length", value: "0")
        }
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        // One write, one flush: the whole request leaves together.
        var parts: [HTTPClientRequestPart] = [.head(HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path, headers: headers))]
        if let body = request.body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        parts.append(.end(nil))
        try await outbound.write(contentsOf: parts)
    }

    private func connect() async throws(ClientError) -> HTTPChannel {
        let bootstrap = ClientBootstrap(group: group).connectTimeout(TimeAmount(connectTimeout))
        let initializer: @Sendable (any Channel) -> EventLoopFuture<HTTPChannel> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try HTTPChannel(wrappingChannelSynchronously: channel)
            }
        }
        do {
            switch endpoint {
            case .unix(let path): return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case .tcp(let host, let port): return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
            }
        } catch {
            throw .unreachable(endpoint, ConnectFailure.reason(error, connectTimeout: connectTimeout))
        }
    }

    /// An error from inside an exchange, named: our own deadline closing the channel is a timeout.
    private func failure(_ error: any Error, deadline: Deadline, timeout: Duration, request: HildRequest) -> ClientError {
        if deadline.fired { return .unreachable(endpoint, "no answer to \(request.method) \(request.path) within \(timeout.seconds.formatted()) s") }
        if let error = error as? ClientError { return error }
        return .protocolError("the connection broke during \(request.method) \(request.path): \(error)")
    }

    private func isTransport(_ error: any Error) -> Bool {
        error is IOError || error is ChannelError || error is NIOAsyncWriterError || error is HTTPParserError
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
