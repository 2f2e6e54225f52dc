import HilAPI
import Hummingbird

/// The bearer check of the TCP listener. The Unix socket does without: its file mode decides who
/// may connect. `/healthz` stays open so load balancers and monitors can probe without the secret.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    var openPaths: Set<String> = ["/healthz"]

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if openPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized("this request needs 'Authorization: Bearer <token>' over TCP: "
                + "pass hild's API token (hilctl --token or HILD_TOKEN)")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased(),
              !token.isEmpty, Self.constantTimeEqual(String(header.dropFirst(prefix.count)), token)
        else {
            throw Self.unauthorized("the bearer token was not accepted: check that it is hild's current API token")
        }
        return try await next(request, context)
    }

    static func unauthorized(_ message: String) -> HTTPAPIError {
        HTTPAPIError(APIError(status: 401, code: "unauthorized", message: message),
                     headers: [.wwwAuthenticate: "Bearer realm=\"hild\""])
    }

    /// Compares every byte whatever the first difference, so the time taken does not tell an
    /// attacker how much of a guess was right. (Only the length can leak, which a random token of
    /// fixed length does not mind.)
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
