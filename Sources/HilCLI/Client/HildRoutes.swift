import Foundation
import HilAPI
import NIOHTTP1

/// The routes of hild's API as typed calls. Every non-2xx answer throws `ClientError.api` with
/// hild's own error body.
extension HildClient {
    public func health() async throws(ClientError) -> HealthStatus { try await get("/healthz") }
    public func boards() async throws(ClientError) -> [BoardInfo] { try await get("/v1/boards") }
    public func board(id: String) async throws(ClientError) -> BoardInfo { try await get("/v1/boards/\(Self.escape(id))") }

    public func submit(_ spec: JobSpec) async throws(ClientError) -> JobRecord {
        let body: Data
        do { body = try APIJSON.encoder().encode(spec) } catch { throw .protocolError("cannot encode the job spec: \(error)") }
        return try await decode(checked(HildRequest(.POST, "/v1/jobs", body: body, contentType: "application/json")))
    }

    /// Newest first, as hild lists them.
    public func jobs(state: JobState? = nil, limit: Int? = nil) async throws(ClientError) -> [JobRecord] {
        var query: [String] = []
        if let state { query.append("state=\(state.rawValue)") }
        if let limit { query.append("limit=\(limit)") }
        return try await get("/v1/jobs" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }

    public func job(_ id: Int64) async throws(ClientError) -> JobRecord { try await get("/v1/jobs/\(id)") }

    public func cancel(job id: Int64) async throws(ClientError) -> JobRecord {
        try await decode(checked(HildRequest(.POST, "/v1/jobs/\(id)/cancel")))
    }

    public func events(job id: Int64, after: Int64 = 0) async throws(ClientError) -> [JobEvent] {
        try await get("/v1/jobs/\(id)/events?after=\(after)")
    }

    /// The EvaluationReport JSON of a finished job, as hild stored it.
    public func report(job id: Int64) async throws(ClientError) -> Data {
        try await checked(HildRequest(.GET, "/v1/jobs/\(id)/report")).body
    }

    /// The artifact with that SHA-256, or nil when hild does not hold it.
    public func artifact(_ id: ArtifactID) async throws(ClientError) -> ArtifactInfo? {
        let response = try await send(HildRequest(.GET, "/v1/artifacts/\(id)"))
        if response.status == 404 { return nil }
        return try decode(try Self.check(response))
    }

    /// Uploads bytes; the timeout grows with the size (a minute, plus a second per megabyte).
    public func putArtifact(kind: ArtifactKind, bytes: Data) async throws(ClientError) -> ArtifactInfo {
        let timeout = requestTimeout + .seconds(bytes.count / 1_000_000)
        return try await decode(checked(HildRequest(.POST, "/v1/artifacts?kind=\(kind.rawValue)", body: bytes,
                                                    contentType: "application/octet-stream", timeout: timeout)))
    }

    public func metrics() async throws(ClientError) -> String {
        String(decoding: try await checked(HildRequest(.GET, "/metrics")).body, as: UTF8.self)
    }

    // MARK: - Plumbing

    func get<T: Decodable>(_ path: String) async throws(ClientError) -> T {
        try decode(try await checked(HildRequest(.GET, path)))
    }

    func checked(_ request: HildRequest) async throws(ClientError) -> HildResponse {
        try Self.check(try await send(request))
    }

    static func check(_ response: HildResponse) throws(ClientError) -> HildResponse {
        guard response.isSuccess else { throw ClientError.fromResponse(status: response.status, body: response.body) }
        return response
    }

    func decode<T: Decodable>(_ response: HildResponse) throws(ClientError) -> T {
        do { return try APIJSON.decoder().decode(T.self, from: response.body) } catch {
            throw .protocolError("the answer is not the \(T.self) JSON hilctl expects (\(error)): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        }
    }

    /// Board ids are probe serials; escaping keeps an odd one from changing the path.
    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }
}
