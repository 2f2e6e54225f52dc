import Foundation
import HilAPI
import HildHTTP
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// APIServer for real: a Unix socket in a temporary directory, spoken to with raw HTTP/1.1.
@Suite struct UnixSocketTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hild-http-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int
    }

    /// Runs an APIServer in a ServiceGroup around `body`, then shuts it down gracefully and
    /// checks that run() returned and removed the socket.
    func withServer(_ bench: FakeBench, socket: String, keepAlive: Duration = .seconds(15),
                    _ body: @Sendable (ServiceGroup) async throws -> Void) async throws {
        let logger = Logger(label: "test")
        let server = APIServer(service: bench, configuration: APIServerConfiguration(unixSocketPath: socket, keepAliveInterval: keepAlive),
                               logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Listening, and restricted, once the mode reads 0660 (generous: the whole suite runs in parallel on 2 cores).
            let deadline = ContinuousClock.now + .seconds(60)
            while mode(socket) != 0o660, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(mode(socket) == 0o660)
            do {
                try await body(group)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: socket), "run() leaves no socket file behind")
    }

    @Test func servesOverTheSocketWithMode0660() async throws {
        let socket = directory + "/hild.sock"
        try await withServer(FakeBench(), socket: socket) { _ in
            let client = try RawUnixClient.open(socket)
            defer { client.disconnect() }
            client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let reply = await client.receive()
            #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(reply.contains("\"status\":\"ok\""))

            // No token on the socket.
            let second = try RawUnixClient.open(socket)
            defer { second.disconnect() }
            second.send("GET /v1/boards HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await second.receive().hasPrefix("HTTP/1.1 200 OK\r\n"))
        }
    }

    @Test func aLiveSocketIsNotTakenOver() async throws {
        let socket = directory + "/hild.sock"
        try await withServer(FakeBench(), socket: socket) { _ in
            let rival = APIServer(service: FakeBench(), configuration: APIServerConfiguration(unixSocketPath: socket),
                                  logger: Logger(label: "rival"))
            let error = await #expect(throws: APIServerError.self) { try await rival.run() }
            #expect(error?.message.contains("another hild is listening on \(socket)") == true)
            // …and the first server still answers.
            let client = try RawUnixClient.open(socket)
            defer { client.disconnect() }
            client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await client.receive().hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func aStaleSocketIsReplaced() async throws {
        let socket = directory + "/stale/hild.sock"   // the directory is created too
        try FileManager.default.createDirectory(atPath: directory + "/stale", withIntermediateDirectories: true)
        try makeStaleSocket(at: socket)
        #expect(FileManager.default.fileExists(atPath: socket))
        try await withServer(FakeBench(), socket: socket) { _ in
            let client = try RawUnixClient.open(socket)
            defer { client.disconnect() }
            client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await client.receive().hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func aRegularFileIsLeftAlone() async throws {
        let path = directory + "/not-a-socket"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        let server = APIServer(service: FakeBench(), configuration: APIServerConfiguration(unixSocketPath: path), logger: Logger(label: "t"))
        await #expect(throws: APIServerError.self) { try await server.run() }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func gracefulShutdownEndsALiveEventStream() async throws {
        let bench = FakeBench()
        let id = await bench.addFinishedJob()
        await bench.setLiveDelay(.seconds(30))   // the stream would stay open for minutes
        let socket = directory + "/hild.sock"
        // Timed from the start of the shutdown, not of the server: start-up is slow under load.
        let shutdownStarted = Mutex<ContinuousClock.Instant?>(nil)
        try await withServer(bench, socket: socket) { _ in
            let client = try RawUnixClient.open(socket)
            defer { client.disconnect() }
            client.send("GET /v1/jobs/\(id)/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
            let head = await client.receive(until: "\r\n\r\n")
            #expect(head.hasPrefix("HTTP/1.1 200"))
            #expect(head.contains("text/event-stream"))
            // withServer now shuts down gracefully; it must not wait for the job's events.
            shutdownStarted.withLock { $0 = .now }
        }
        let started = try #require(shutdownStarted.withLock { $0 })
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}
