import Foundation

/// A test-only HTTP server on a Unix socket: records each request (line, headers, body) and
/// answers with canned bytes, which may come in pieces with pauses (to exercise streaming).
/// POSIX sockets on a thread, so it shares nothing with the client under test.
final class ClientTestServer: @unchecked Sendable {
    struct Request: Sendable {
        var line: String
        var headers: [String: String]   // lowercased names
        var body: Data
        var method: String { String(line.split(separator: " ")[0]) }
        var target: String { String(line.split(separator: " ")[1]) }
    }
    enum Piece: Sendable { case bytes(String), raw(Data), pause(milliseconds: Int) }

    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let answer: @Sendable (Request) -> [Piece]

    var requests: [Request] { lock.withLock { recorded } }

    init(answer: @escaping @Sendable (Request) -> [Piece]) throws {
        path = "/tmp/hil-test-\(UUID().uuidString.prefix(8)).sock"
        self.answer = answer
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        Thread { [self] in serve() }.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    /// "HTTP/1.1 <status>" with a JSON body and its length.
    static func json(_ status: Int, _ body: String, extra: String = "") -> [Piece] {
        [.bytes("HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)Connection: close\r\n\r\n\(body)")]
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            if let request = read(from: client) {
                lock.withLock { recorded.append(request) }
                for piece in answer(request) {
                    switch piece {
                    case .bytes(let text): send(Data(text.utf8), to: client)
                    case .raw(let data): send(data, to: client)
                    case .pause(let ms): usleep(useconds_t(ms * 1000))
                    }
                }
            }
            close(client)
        }
    }

    private func send(_ data: Data, to client: Int32) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
    }

    private func read(from client: Int32) -> Request? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var expected = 0
        while true {
            if let end = headEnd, buffer.count >= end + expected { break }
            let n = recv(client, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
            if headEnd == nil, let range = buffer.firstRange(of: separator) {
                headEnd = range.upperBound
                let head = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() where line.lowercased().hasPrefix("content-length:") {
                    expected = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        let end = headEnd!
        let lines = String(decoding: buffer[..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(line: lines[0], headers: headers, body: Data(buffer[end..<(end + expected)]))
    }
}
