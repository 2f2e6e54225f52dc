import Foundation

/// What the HTTP API asks of the daemon. hild's bench implements it; the HTTP layer only maps
/// requests onto it, so the API can be tested against a small fake and the daemon without HTTP.
/// Every method throws `APIError` for anything a client caused (unknown job, bad spec).
public protocol BenchService: Sendable {
    func health() async -> HealthStatus
    func boards() async -> [BoardInfo]
    func board(id: String) async throws(APIError) -> BoardInfo

    func submit(_ spec: JobSpec) async throws(APIError) -> JobRecord
    /// Newest first. `state` filters; `limit` caps the count.
    func jobs(state: JobState?, limit: Int) async throws(APIError) -> [JobRecord]
    func job(id: Int64) async throws(APIError) -> JobRecord
    /// Queued: cancelled at once. Running: stopped at the next sample, the board freed. Final: 409.
    func cancel(job id: Int64) async throws(APIError) -> JobRecord
    /// Events with seq > `after`, oldest first.
    func events(job id: Int64, after: Int64) async throws(APIError) -> [JobEvent]
    /// Events with seq > `after` as they happen; finishes after the job's "finished" event
    /// (at once when the job already finished).
    func liveEvents(job id: Int64, after: Int64) async throws(APIError) -> AsyncStream<JobEvent>
    /// The EvaluationReport JSON (schema_version 2) of a finished job's run.
    func report(job id: Int64) async throws(APIError) -> Data

    /// Stores bytes content-addressed; refuses with 413 beyond the configured limit, 400 when the
    /// bytes are not what `kind` says (e.g. a model that does not parse).
    func putArtifact(kind: ArtifactKind, bytes: Data) async throws(APIError) -> ArtifactInfo
    func artifact(id: ArtifactID) async throws(APIError) -> ArtifactInfo

    /// The Prometheus text exposition (version 0.0.4).
    func metrics() async -> String
}
