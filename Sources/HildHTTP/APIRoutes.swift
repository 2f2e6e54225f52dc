import Hummingbird

/// One route of the API as docs/api/openapi.yaml names it: an HTTP method and an OpenAPI path template.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    public var path: String
    public init(method: String, path: String) { self.method = method; self.path = path }
    public var description: String { "\(method) \(path)" }
}

/// Every endpoint hild serves. This list is the one source of truth: the router registers exactly
/// these (the dispatch switch in APIRouter.swift is exhaustive, so a case without a handler does not
/// compile), and a test compares them with the `paths:` of the OpenAPI document, so a route added
/// without documentation fails the build's tests.
enum APIEndpoint: CaseIterable, Sendable {
    case health, metrics, openAPI
    case listBoards, getBoard
    case submitJob, listJobs, getJob, cancelJob, jobEvents, jobReport
    case putArtifact, getArtifact

    var method: HTTPRequest.Method {
        switch self {
        case .submitJob, .cancelJob, .putArtifact: .post
        default: .get
        }
    }

    /// OpenAPI-style templates; Hummingbird's router reads `{name}` as a capture too.
    var path: String {
        switch self {
        case .health: "/healthz"
        case .metrics: "/metrics"
        case .openAPI: "/openapi.yaml"
        case .listBoards: "/v1/boards"
        case .getBoard: "/v1/boards/{id}"
        case .submitJob, .listJobs: "/v1/jobs"
        case .getJob: "/v1/jobs/{id}"
        case .cancelJob: "/v1/jobs/{id}/cancel"
        case .jobEvents: "/v1/jobs/{id}/events"
        case .jobReport: "/v1/jobs/{id}/report"
        case .putArtifact: "/v1/artifacts"
        case .getArtifact: "/v1/artifacts/{sha256}"
        }
    }

    var route: APIRoute { APIRoute(method: method.rawValue, path: path) }
}

public enum APIRoutes {
    /// What the router registers, for tests and documentation checks.
    public static var all: [APIRoute] { APIEndpoint.allCases.map(\.route) }

    /// The methods served at the path template that matches `path`, for telling 405 from 404.
    static func methods(matching path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return all.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: true)
            guard template.count == segments.count else { return false }
            return zip(template, segments).allSatisfy { t, s in t.hasPrefix("{") || t == s }
        }.map(\.method)
    }
}
