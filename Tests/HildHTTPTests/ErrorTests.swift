import Foundation
import HilAPI
import HildHTTP
import Hummingbird
import HummingbirdTesting
import Testing

/// Refusals: each a 4xx with a JSON body whose message names the input.
@Suite struct ErrorTests {
    func submit(_ body: String, configuration: APIServerConfiguration = testConfiguration()) async throws -> TestResponse {
        try await withAPI(configuration: configuration) { client in
            try await client.execute(uri: "/v1/jobs", method: .post, headers: [.contentType: "application/json"], body: json(body))
        }
    }

    @Test func syntaxError() async throws {
        let response = try await submit(#"{"model": "abc", "#)
        #expect(response.status == .badRequest)
        let error = try response.apiError
        #expect(error.code == "invalid_json")
        #expect(error.message.contains("not valid JSON"))
        #expect(error.message.contains("JobSpec"))
    }

    @Test func emptyBody() async throws {
        let response = try await submit("")
        #expect(response.status == .badRequest)
        #expect(try response.apiError.message.contains("empty"))
    }

    @Test func wrongTypeNamesTheField() async throws {
        let nested = try await submit(#"{"model":"a","dataset":"b","selector":{"board":7}}"#)
        #expect(nested.status == .badRequest)
        #expect(try nested.apiError.message == "field 'selector.board': expected a string")

        let snake = try await submit(#"{"model":"a","dataset":"b","health_check":"yes"}"#)
        #expect(try snake.apiError.message == "field 'health_check': expected true or false")

        let deep = try await submit(#"{"model":"a","dataset":"b","thresholds":{"max_p50_ms":"fast"}}"#)
        #expect(try deep.apiError.message == "field 'thresholds.max_p50_ms': expected a number")

        let notObject = try await submit("[1,2]")
        #expect(notObject.status == .badRequest)
        #expect(try notObject.apiError.message.contains("expected an object"))
    }

    @Test func missingModel() async throws {
        let response = try await submit(#"{"dataset":"b"}"#)
        #expect(response.status == .badRequest)
        #expect(try response.apiError.message == "field 'model' is missing: a JobSpec needs it")
    }

    @Test func badEnumValueNamesTheField() async throws {
        let response = try await submit(#"{"model":"a","dataset":"b","selector":{"kind":"fpga"}}"#)
        #expect(response.status == .badRequest)
        #expect(try response.apiError.message.hasPrefix("field 'selector.kind': "))
    }

    @Test func oversizedJSON() async throws {
        let padding = String(repeating: " ", count: 2048)
        let response = try await submit(validSpec + padding, configuration: testConfiguration(maxJSONBytes: 1024))
        #expect(response.status == .contentTooLarge)
        let error = try response.apiError
        #expect(error.code == "too_large")
        #expect(error.message.contains("1 KiB"))
        #expect(error.message.contains("max_json_bytes"))
    }

    @Test func oversizedUpload() async throws {
        let bench = FakeBench()
        let response = try await withAPI(bench, configuration: testConfiguration(maxUploadBytes: 1000)) { client in
            try await client.execute(uri: "/v1/artifacts?kind=dataset", method: .post,
                                     body: ByteBuffer(repeating: 7, count: 1001))
        }
        #expect(response.status == .contentTooLarge)
        #expect(try response.apiError.message.contains("1000 bytes"))
        #expect(await bench.uploads.isEmpty)
    }

    @Test func artifactKind() async throws {
        try await withAPI { client in
            let missing = try await client.execute(uri: "/v1/artifacts", method: .post, body: ByteBuffer(string: "x"))
            #expect(missing.status == .badRequest)
            #expect(try missing.apiError.message.contains("model, firmware, dataset, labels"))
            let unknown = try await client.execute(uri: "/v1/artifacts?kind=weights", method: .post, body: ByteBuffer(string: "x"))
            #expect(unknown.status == .badRequest)
            #expect(try unknown.apiError.message.contains("kind='weights'"))
            let empty = try await client.execute(uri: "/v1/artifacts?kind=model", method: .post)
            #expect(empty.status == .badRequest)
            let badID = try await client.execute(uri: "/v1/artifacts/xyz", method: .get)
            #expect(badID.status == .badRequest)
            #expect(try badID.apiError.code == "invalid_artifact_id")
        }
    }

    @Test func jobIDsAndQueries() async throws {
        try await withAPI { client in
            for uri in ["/v1/jobs/abc", "/v1/jobs/-1", "/v1/jobs/0", "/v1/jobs/1.5/cancel", "/v1/jobs/x/events", "/v1/jobs/x/report"] {
                let method: HTTPRequest.Method = uri.hasSuffix("cancel") ? .post : .get
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try response.apiError.code == "invalid_job_id", "\(uri)")
            }
            let unknown = try await client.execute(uri: "/v1/jobs/99", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try unknown.apiError.code == "job_not_found")

            let state = try await client.execute(uri: "/v1/jobs?state=done", method: .get)
            #expect(state.status == .badRequest)
            #expect(try state.apiError.message.contains("queued, running, passed, failed, errored, cancelled"))
            for limit in ["0", "10001", "many"] {
                let response = try await client.execute(uri: "/v1/jobs?limit=\(limit)", method: .get)
                #expect(response.status == .badRequest, "limit=\(limit)")
                #expect(try response.apiError.message.contains("1 to 10000"))
            }
            let after = try await client.execute(uri: "/v1/jobs/1/events?after=-2", method: .get)
            #expect(after.status == .badRequest)
        }
    }

    @Test func unknownRouteAndWrongMethod() async throws {
        try await withAPI { client in
            let unknown = try await client.execute(uri: "/v2/nothing", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try unknown.apiError.code == "route_not_found")

            let wrong = try await client.execute(uri: "/v1/boards", method: .delete)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET")
            #expect(try wrong.apiError.code == "method_not_allowed")
            let jobs = try await client.execute(uri: "/v1/jobs/3", method: .put)
            #expect(jobs.status == .methodNotAllowed)
        }
    }
}
