import Foundation
import HilAPI
import Hummingbird

/// An `APIError` on its way out: the one error type that reaches Hummingbird, rendered as the JSON
/// `APIErrorBody` every client parses, with any extra headers (`WWW-Authenticate`, `Allow`).
struct HTTPAPIError: HTTPResponseError {
    var error: APIError
    var headers: HTTPFields

    init(_ error: APIError, headers: HTTPFields = [:]) { self.error = error; self.headers = headers }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: error.status) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        errorResponse()
    }

    func errorResponse() -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        // APIErrorBody holds three plain fields: encoding it cannot fail in practice, and if it
        // did, an empty body with the right status is still better than a 500.
        let data = (try? APIJSON.encoder().encode(APIErrorBody(error))) ?? Data()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The edge where every error becomes JSON. Installed first, so it wraps the auth check, every
/// handler and the router's own "no such route". Anything unexpected is logged and answered as a
/// JSON 500 rather than Hummingbird's empty one.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPAPIError {
            return error.errorResponse()
        } catch let error as APIError {
            return HTTPAPIError(error).errorResponse()
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router throws HTTPError (our handlers throw APIError): no route matched.
            return Self.noRoute(request).errorResponse()
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            return HTTPAPIError(APIError(status: status, code: status == 413 ? "too_large" : "http_\(status)",
                                         message: "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)"))
                .errorResponse()
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return HTTPAPIError(APIError(status: 500, code: "internal",
                                         message: "hild failed to answer \(request.method) \(request.uri.path): \(error); "
                                             + "see hild's log and report it"))
                .errorResponse()
        }
    }

    /// 405 with `Allow` when the path exists under other methods, else 404.
    static func noRoute(_ request: Request) -> HTTPAPIError {
        let path = request.uri.path
        let allowed = APIRoutes.methods(matching: path)
        if !allowed.isEmpty {
            let list = allowed.joined(separator: ", ")
            return HTTPAPIError(
                APIError(status: 405, code: "method_not_allowed",
                         message: "\(path) does not answer \(request.method); it answers \(list)"),
                headers: [.allow: list])
        }
        return HTTPAPIError(.notFound("no route \(request.method) \(path): the API is described at GET /openapi.yaml",
                                      code: "route_not_found"))
    }
}
