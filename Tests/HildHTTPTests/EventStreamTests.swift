import Foundation
import HilAPI
import HildHTTP
import Hummingbird
import HummingbirdTesting
import Testing

/// Server-sent events from GET /v1/jobs/{id}/events with Accept: text/event-stream.
@Suite struct EventStreamTests {
    /// The blocks of an SSE body, each as its lines.
    func blocks(_ text: String) -> [[String]] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: "\n") }
    }

    @Test func eventsArriveInOrderAndTheStreamEnds() async throws {
        let bench = FakeBench()
        let id = await bench.addFinishedJob()
        // The router test client returns only when the response body has ended: reaching the
        // checks at all means the stream finished after "finished".
        let response = try await withAPI(bench) { client in
            try await client.execute(uri: "/v1/jobs/\(id)/events", method: .get, headers: [.accept: "text/event-stream"])
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
        #expect(response.headers[.cacheControl] == "no-cache")
        #expect(response.text.hasSuffix("\n\n"))
        let blocks = blocks(response.text)
        #expect(blocks.map { $0[0] } == ["id: 1", "id: 2", "id: 3", "id: 4", "id: 5"])
        #expect(blocks.map { $0[1] } == ["event: queued", "event: assigned", "event: flashing", "event: progress", "event: finished"])
        for (i, block) in blocks.enumerated() {
            #expect(block.count == 3)
            #expect(block[2].hasPrefix("data: "))
            // Plain JSON: JobEvent does not decode with APIJSON yet (RouteTests.jobEventRoundTrip).
            let event = try JSONSerialization.jsonObject(with: Data(block[2].dropFirst(6).utf8)) as? [String: Any]
            #expect(event?["seq"] as? Int == i + 1)
            #expect(event?["job_id"] as? Int == Int(id))
        }
        #expect(blocks.last?[2].contains("\"state\":\"passed\"") == true)
    }

    @Test func lastEventIDResumes() async throws {
        let bench = FakeBench()
        let id = await bench.addFinishedJob()
        try await withAPI(bench) { client in
            // Last-Event-ID wins over the after= of the URL the EventSource reuses.
            let resumed = try await client.execute(uri: "/v1/jobs/\(id)/events?after=1", method: .get,
                                                   headers: [.accept: "text/event-stream", lastEventID: "3"])
            #expect(self.blocks(resumed.text).map { $0[0] } == ["id: 4", "id: 5"])

            let after = try await client.execute(uri: "/v1/jobs/\(id)/events?after=4", method: .get,
                                                 headers: [.accept: "text/event-stream"])
            #expect(self.blocks(after.text).map { $0[0] } == ["id: 5"])

            let bad = try await client.execute(uri: "/v1/jobs/\(id)/events", method: .get,
                                               headers: [.accept: "text/event-stream", lastEventID: "x"])
            #expect(bad.status == .badRequest)
        }
    }

    @Test func unknownJobIsJSON404BeforeTheStream() async throws {
        try await withAPI { client in
            let response = try await client.execute(uri: "/v1/jobs/42/events", method: .get, headers: [.accept: "text/event-stream"])
            #expect(response.status == .notFound)
            #expect(try response.apiError.code == "job_not_found")
        }
    }

    @Test func keepAliveFillsSilence() async throws {
        let bench = FakeBench()
        let id = await bench.addFinishedJob()
        await bench.setLiveDelay(.milliseconds(150))
        let response = try await withAPI(bench, configuration: testConfiguration(keepAlive: .milliseconds(40))) { client in
            try await client.execute(uri: "/v1/jobs/\(id)/events?after=3", method: .get, headers: [.accept: "text/event-stream"])
        }
        let blocks = blocks(response.text)
        #expect(blocks.contains([": keep-alive"]))
        #expect(blocks.filter { $0[0].hasPrefix("id: ") }.map { $0[0] } == ["id: 4", "id: 5"])
    }

    @Test func noKeepAliveWhileBusy() async throws {
        let bench = FakeBench()
        let id = await bench.addFinishedJob()
        let response = try await withAPI(bench, configuration: testConfiguration(keepAlive: .seconds(5))) { client in
            try await client.execute(uri: "/v1/jobs/\(id)/events", method: .get, headers: [.accept: "text/event-stream"])
        }
        #expect(!response.text.contains("keep-alive"))
    }
}
