import Foundation
import HilAPI
import HildHTTP
import Hummingbird
import HummingbirdTesting

let testToken = "test-token-0123456789abcdef"

func testConfiguration(maxUploadBytes: Int = 1024, maxJSONBytes: Int = 1 << 20,
                       keepAlive: Duration = .seconds(15)) -> APIServerConfiguration {
    APIServerConfiguration(unixSocketPath: "/tmp/unused.sock", tcp: .init(host: "127.0.0.1", port: 0),
                           bearerToken: testToken, maxUploadBytes: maxUploadBytes, maxJSONBytes: maxJSONBytes,
                           keepAliveInterval: keepAlive)
}

/// Runs `body` against the router in process.
func withAPI<T>(_ bench: FakeBench = FakeBench(), configuration: APIServerConfiguration = testConfiguration(),
                requireToken: Bool = false,
                _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
    let router = makeAPIRouter(service: bench, configuration: configuration, requireToken: requireToken)
    return try await Application(router: router).test(.router, body)
}

extension TestResponse {
    var text: String { String(buffer: body) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try APIJSON.decoder().decode(T.self, from: Data(text.utf8))
    }
    /// The JSON error body; fails the decode (and so the test) when the answer is not one.
    var apiError: APIErrorBody.Detail {
        get throws { try decode(APIErrorBody.self).error }
    }
}

func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

/// A JobSpec as a client would send it.
let validSpec = #"{"model":"\#(sha("m"))","dataset":"\#(sha("d"))","selector":{"board_type":"stm32f746g-disco"}}"#

/// Hummingbird re-exports HTTPFields but not HTTPField; its Element is the same type.
let lastEventID = HTTPFields.Element.Name("Last-Event-ID")!
