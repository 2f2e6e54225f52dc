import Foundation
import HilAPI
import Testing
@testable import HilCLI

/// HildClient against a tiny real server on a Unix socket: what goes on the wire, what comes back.
@Suite struct ClientHTTPTests {
    static let record = JobRecord(id: 7, spec: JobSpec(name: "n", model: "aa", dataset: "bb"), state: .running,
                                  submittedAt: Date(timeIntervalSince1970: 1_700_000_000))

    static func encoded(_ value: some Encodable) -> String {
        String(decoding: try! APIJSON.encoder().encode(value), as: UTF8.self)
    }

    @Test func aGetCarriesTheTokenAndDecodesTheAnswer() async throws {
        let board = BoardInfo(id: "066DFF", kind: .mock, boardType: "stm32f746g-disco", tags: ["lab"], lastSeen: Date(timeIntervalSince1970: 0))
        let server = try ClientTestServer { _ in ClientTestServer.json(200, Self.encoded([board])) }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path), token: "s3cret")
        #expect(try await client.boards() == [board])
        let request = try #require(server.requests.first)
        #expect(request.line == "GET /v1/boards HTTP/1.1")
        #expect(request.headers["authorization"] == "Bearer s3cret")
        #expect(request.headers["host"] == "localhost")
        #expect(request.body.isEmpty)
    }

    @Test func submitPostsTheSpecAsJSON() async throws {
        let server = try ClientTestServer { _ in ClientTestServer.json(201, Self.encoded(Self.record)) }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path))
        let spec = JobSpec(name: "n", model: "aa", dataset: "bb", thresholds: Thresholds(minTop1: 0.9), priority: 3)
        #expect(try await client.submit(spec) == Self.record)
        let request = try #require(server.requests.first)
        #expect(request.line == "POST /v1/jobs HTTP/1.1")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["authorization"] == nil, "no token given, none sent")
        #expect(try APIJSON.decoder().decode(JobSpec.self, from: request.body) == spec)
        #expect(String(decoding: request.body, as: UTF8.self).contains("\"min_top1\":0.9"))
    }

    @Test func anUploadSendsTheRawBytesAndAnAbsentArtifactIsNil() async throws {
        let bytes = Data((0..<100_000).map { UInt8($0 % 256) })
        let info = ArtifactInfo(id: LocalArtifact.sha256(bytes), kind: .model, size: bytes.count, createdAt: Date(timeIntervalSince1970: 0))
        let server = try ClientTestServer { request in
            request.method == "GET" ? ClientTestServer.json(404, #"{"error":{"status":404,"code":"artifact_not_found","message":"no"}}"#)
                                    : ClientTestServer.json(201, Self.encoded(info))
        }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path))
        let id = try await client.ensure(LocalArtifact(kind: .model, path: "m.hilm", bytes: bytes), note: { _ in })
        #expect(id == info.id)
        let requests = server.requests
        #expect(requests.map(\.line) == ["GET /v1/artifacts/\(info.id) HTTP/1.1", "POST /v1/artifacts?kind=model HTTP/1.1"])
        #expect(requests[1].headers["content-type"] == "application/octet-stream")
        #expect(requests[1].body == bytes)
    }

    @Test func anErrorBodyBecomesClientErrorAPI() async throws {
        let server = try ClientTestServer { _ in
            ClientTestServer.json(404, #"{"error":{"status":404,"code":"job_not_found","message":"no job 99; see hilctl jobs"}}"#)
        }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path))
        await #expect(throws: ClientError.api(APIError(status: 404, code: "job_not_found", message: "no job 99; see hilctl jobs"))) {
            try await client.job(99)
        }
        #expect(ClientError.api(.notFound("x")).exitCode == ExitCodes.failed)
    }

    @Test func aServerErrorWithoutABodyKeepsStatusAndTextAndIsInfrastructure() async throws {
        let server = try ClientTestServer { _ in
            [.bytes("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\nConnection: close\r\n\r\nproxy broke")]
        }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path))
        do {
            _ = try await client.health()
            Issue.record("a 502 must throw")
        } catch {
            #expect(error == .api(APIError(status: 502, code: "http_502", message: "proxy broke")))
            #expect(error.exitCode == ExitCodes.infrastructure)
        }
    }

    @Test func aMissingSocketIsUnreachableNamingThePath() async throws {
        let path = "/tmp/hil-test-absent-\(UUID().uuidString.prefix(8)).sock"
        let client = HildClient(endpoint: .unix(path: path))
        do {
            _ = try await client.health()
            Issue.record("nothing listens there")
        } catch {
            guard case .unreachable(let endpoint, let reason) = error else { Issue.record("\(error)"); return }
            #expect(endpoint == .unix(path: path))
            #expect(reason == "no socket at that path")
            #expect("\(error)".contains("cannot reach hild at unix://\(path)"))
            #expect("\(error)".contains("--host or HILD_SOCKET"))
            #expect(error.exitCode == ExitCodes.infrastructure)
        }
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = try ClientTestServer { _ in [.pause(milliseconds: 1500)] }
        defer { server.stop() }
        var client = HildClient(endpoint: .unix(path: server.path))
        client.requestTimeout = .milliseconds(300)
        do {
            _ = try await client.health()
            Issue.record("must time out")
        } catch {
            guard case .unreachable(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("no answer to GET /healthz within 0.3 s"))
        }
    }

    @Test func aStreamDeliversEventsAsTheyArriveInPieces() async throws {
        let server = try ClientTestServer { _ in
            [.bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n: keep-alive\n\nid: 1\nevent: lo"),
             .pause(milliseconds: 50), .bytes("g\ndata: a\r"), .pause(milliseconds: 50), .bytes("\n\r\nid: 2\ndata: b\n\n")]
        }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path))
        var seen: [ServerSentEvent] = []
        let end = try await client.stream(HildRequest(.GET, "/v1/jobs/7/events?after=0")) { seen.append($0); return true }
        #expect(end == .ended)
        #expect(seen == [ServerSentEvent(id: "1", event: "log", data: "a"), ServerSentEvent(id: "2", data: "b")])
        #expect(server.requests.first?.headers["accept"] == "text/event-stream")
    }

    @Test func followResumesWithLastEventIDAfterADrop() async throws {
        @Sendable func event(_ seq: Int64, _ kind: String) -> String {
            "id: \(seq)\nevent: \(kind)\ndata: \(Self.encoded(JobEvent(seq: seq, jobID: 7, time: Date(timeIntervalSince1970: 0), kind: kind, message: "m\(seq)")))\n\n"
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        let server = try ClientTestServer { request in
            if request.target == "/v1/jobs/7" { return ClientTestServer.json(200, Self.encoded(Self.record)) }
            // First connection: two events, then the stream drops. After the resume: a repeat and the end.
            if request.headers["last-event-id"] == nil { return [.bytes(head + event(1, "assigned") + event(2, "progress"))] }
            return [.bytes(head + event(2, "progress") + event(3, "finished"))]
        }
        defer { server.stop() }
        let client = HildClient(endpoint: .unix(path: server.path))
        var kinds: [String] = []
        var interruptions = 0
        let last = try await client.follow(job: 7, onInterruption: { _ in interruptions += 1 }) { kinds.append($0.kind) }
        #expect(kinds == ["assigned", "progress", "finished"])
        #expect(last == 3 && interruptions == 1)
        let streams = server.requests.filter { $0.target.contains("/events") }
        #expect(streams.map(\.target) == ["/v1/jobs/7/events?after=0", "/v1/jobs/7/events?after=2"])
        #expect(streams.last?.headers["last-event-id"] == "2")
    }
}
