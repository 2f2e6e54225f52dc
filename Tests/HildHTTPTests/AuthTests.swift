import HilAPI
import HildHTTP
import Hummingbird
import HummingbirdTesting
import Testing

/// The TCP listener's bearer check (its router is built with requireToken: true).
@Suite struct AuthTests {
    @Test func tokenRequiredOverTCP() async throws {
        try await withAPI(requireToken: true) { client in
            let none = try await client.execute(uri: "/v1/boards", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try none.apiError.code == "unauthorized")

            let wrong = try await client.execute(uri: "/v1/boards", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            let basic = try await client.execute(uri: "/v1/boards", method: .get, headers: [.authorization: "Basic \(testToken)"])
            #expect(basic.status == .unauthorized)
            // An unknown route does not reveal itself without the token either.
            let route = try await client.execute(uri: "/v2/x", method: .get)
            #expect(route.status == .unauthorized)

            let right = try await client.execute(uri: "/v1/boards", method: .get, headers: [.authorization: "Bearer \(testToken)"])
            #expect(right.status == .ok)
            let open = try await client.execute(uri: "/healthz", method: .get)
            #expect(open.status == .ok)
        }
    }

    @Test func unixSocketRouterNeedsNoToken() async throws {
        try await withAPI(requireToken: false) { client in
            let response = try await client.execute(uri: "/v1/boards", method: .get)
            #expect(response.status == .ok)
        }
    }

    @Test func tcpWithoutTokenRefusesToStart() {
        var configuration = testConfiguration()
        configuration.bearerToken = nil
        #expect(throws: APIServerError.self) { try configuration.validate() }
        configuration.bearerToken = ""
        #expect(throws: APIServerError.self) { try configuration.validate() }
        configuration.tcp = nil
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
