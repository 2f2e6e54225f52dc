import HilAPI
import Hummingbird

/// The endpoints about hild itself: liveness, Prometheus metrics, the API description.
extension APIHandlers {
    func health() async throws(APIError) -> Response {
        try Responses.json(await service.health())
    }

    func metrics() async -> Response {
        Responses.bytes(Array(await service.metrics().utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    func openAPI() -> Response {
        Responses.bytes(Array(OpenAPIDocument.yaml.utf8), contentType: "application/yaml; charset=utf-8")
    }
}
