import HilAPI
import Hummingbird

/// The router alone, for in-process tests (`app.test(.router)`) and for each listener of APIServer.
/// `requireToken` applies the bearer check (the TCP listener); the Unix socket passes false.
public func makeAPIRouter(service: any BenchService, configuration: APIServerConfiguration,
                          requireToken: Bool) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    // Middleware order matters: the error mapping goes first so it also renders the auth refusal
    // and the router's own "no such route" as JSON.
    router.add(middleware: ErrorMappingMiddleware())
    if requireToken {
        router.add(middleware: BearerAuthMiddleware(token: configuration.bearerToken ?? ""))
    }
    let handlers = APIHandlers(service: service, configuration: configuration)
    for endpoint in APIEndpoint.allCases {
        router.on(RouterPath(stringLiteral: endpoint.path), method: endpoint.method) { request, context in
            try await handlers.respond(endpoint, request, context)
        }
    }
    return router
}

/// The handlers share the service and the limits; each route file adds its own.
struct APIHandlers: Sendable {
    let service: any BenchService
    let configuration: APIServerConfiguration

    func respond(_ endpoint: APIEndpoint, _ request: Request, _ context: some RequestContext) async throws(APIError) -> Response {
        switch endpoint {
        case .health: try await health()
        case .metrics: await metrics()
        case .openAPI: openAPI()
        case .listBoards: try await listBoards()
        case .getBoard: try await getBoard(context)
        case .submitJob: try await submitJob(request)
        case .listJobs: try await listJobs(request)
        case .getJob: try await getJob(context)
        case .cancelJob: try await cancelJob(context)
        case .jobEvents: try await jobEvents(request, context)
        case .jobReport: try await jobReport(context)
        case .putArtifact: try await putArtifact(request)
        case .getArtifact: try await getArtifact(context)
        }
    }
}
