import Foundation
import HilAPI
import Hummingbird

/// Reading what a client sent: bodies within a limit, path ids and query values. Each refusal is
/// an `APIError` that names the input and says what to do.
enum RequestInput {
    /// Reads the body up to `limit` bytes and stops there, so an oversized upload costs at most
    /// `limit` bytes of memory. A `Content-Length` beyond the limit is refused before reading.
    static func body(of request: Request, limit: Int, what: String, setting: String) async throws(APIError) -> ByteBuffer {
        let tooLarge = APIError.tooLarge("\(what) is larger than hild's limit of \(byteCount(limit)): "
            + "send less, or raise \(setting) in hild's configuration")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge  // NIOTooManyBytesError, which Hummingbird marks as 413
        } catch {
            throw .badRequest("\(what) could not be read: \(error)", code: "body_unreadable")
        }
    }

    /// Decodes a JSON body with the API's conventions, translating DecodingError into a sentence.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, what: String) throws(APIError) -> T {
        if buffer.readableBytes == 0 {
            throw .badRequest("the request body is empty: send \(what) as JSON", code: "invalid_json")
        }
        do {
            return try APIJSON.decoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw .badRequest(DecodingErrorMessage.describe(error, what: what), code: "invalid_json")
        } catch {
            throw .badRequest("the request body is not \(what): \(error)", code: "invalid_json")
        }
    }

    static func jobID(_ context: some RequestContext) throws(APIError) -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else {
            throw .badRequest("job id '\(text)' is not a job id: ids are positive integers, as POST /v1/jobs returned them",
                              code: "invalid_job_id")
        }
        return id
    }

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init)
    }

    /// An optional integer query parameter within `range`.
    static func integer<I: FixedWidthInteger>(_ request: Request, _ name: String, in range: ClosedRange<I>) throws(APIError) -> I? {
        guard let text = query(request, name) else { return nil }
        guard let value = I(text), range.contains(value) else {
            throw .badRequest("query parameter \(name)='\(text)' is not valid: use an integer from \(range.lowerBound) to \(range.upperBound)",
                              code: "invalid_query")
        }
        return value
    }

    /// "1 MiB", "512 MiB" or "1500 bytes": limits read as a person would write them.
    static func byteCount(_ n: Int) -> String {
        if n >= 1 << 30, n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
