import Foundation
import HilAPI
import Hummingbird

/// Building answers: JSON with the API's encoder, and raw bytes with a given media type.
enum Responses {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws(APIError) -> Response {
        let data: Data
        do {
            data = try APIJSON.encoder().encode(value)
        } catch {
            // Only a non-finite Double could get here (a NaN accuracy from the daemon): a server fault.
            throw APIError(status: 500, code: "encoding_failed", message: "hild could not encode its answer as JSON: \(error)")
        }
        return bytes(data, contentType: "application/json; charset=utf-8", status: status, headers: headers)
    }

    static func bytes(_ data: some Sequence<UInt8>, contentType: String, status: HTTPResponse.Status = .ok,
                      headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
