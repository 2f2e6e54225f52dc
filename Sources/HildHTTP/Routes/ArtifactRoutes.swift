import Foundation
import HilAPI
import Hummingbird

extension APIHandlers {
    /// `POST /v1/artifacts?kind=…` with the raw bytes as the body.
    func putArtifact(_ request: Request) async throws(APIError) -> Response {
        let valid = ArtifactKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kindText = RequestInput.query(request, "kind") else {
            throw .badRequest("query parameter 'kind' is missing: say what the bytes are, one of \(valid)", code: "invalid_query")
        }
        guard let kind = ArtifactKind(rawValue: kindText) else {
            throw .badRequest("query parameter kind='\(kindText)' is not an artifact kind: use one of \(valid)", code: "invalid_query")
        }
        let body = try await RequestInput.body(of: request, limit: configuration.maxUploadBytes,
                                               what: "the \(kind.rawValue) upload", setting: "max_upload_bytes")
        if body.readableBytes == 0 {
            throw .badRequest("the \(kind.rawValue) upload is empty: send the file's bytes as the body", code: "empty_upload")
        }
        let info = try await service.putArtifact(kind: kind, bytes: Data(body.readableBytesView))
        return try Responses.json(info, status: .created, headers: [.location: "/v1/artifacts/\(info.id)"])
    }

    /// `GET /v1/artifacts/{sha256}`: clients ask before uploading, to skip bytes hild already has.
    func getArtifact(_ context: some RequestContext) async throws(APIError) -> Response {
        let text = context.parameters.get("sha256") ?? ""
        let id = text.lowercased()
        guard id.utf8.count == 64, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .badRequest("artifact id '\(text)' is not a SHA-256: ids are 64 hex digits, as POST /v1/artifacts returned them",
                              code: "invalid_artifact_id")
        }
        return try Responses.json(try await service.artifact(id: id))
    }
}
