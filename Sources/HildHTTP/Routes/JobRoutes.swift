import HilAPI
import Hummingbird

extension APIHandlers {
    /// `POST /v1/jobs` with a JobSpec: 201 and the record, its URL in `Location`.
    func submitJob(_ request: Request) async throws(APIError) -> Response {
        let body = try await RequestInput.body(of: request, limit: configuration.maxJSONBytes,
                                               what: "the JobSpec body", setting: "max_json_bytes")
        let spec = try RequestInput.decodeJSON(JobSpec.self, from: body, what: "a JobSpec")
        let record = try await service.submit(spec)
        return try Responses.json(record, status: .created, headers: [.location: "/v1/jobs/\(record.id)"])
    }

    /// `GET /v1/jobs?state=…&limit=…`, newest first.
    func listJobs(_ request: Request) async throws(APIError) -> Response {
        var state: JobState?
        if let text = RequestInput.query(request, "state") {
            guard let parsed = JobState(rawValue: text) else {
                let valid = JobState.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badRequest("query parameter state='\(text)' is not a job state: use one of \(valid)", code: "invalid_query")
            }
            state = parsed
        }
        let limit = try RequestInput.integer(request, "limit", in: 1...Self.maxJobListLimit) ?? Self.defaultJobListLimit
        return try Responses.json(try await service.jobs(state: state, limit: limit))
    }

    static let defaultJobListLimit = 100
    static let maxJobListLimit = 10_000

    func getJob(_ context: some RequestContext) async throws(APIError) -> Response {
        try Responses.json(try await service.job(id: RequestInput.jobID(context)))
    }

    func cancelJob(_ context: some RequestContext) async throws(APIError) -> Response {
        try Responses.json(try await service.cancel(job: RequestInput.jobID(context)))
    }

    /// The EvaluationReport exactly as the daemon stored it.
    func jobReport(_ context: some RequestContext) async throws(APIError) -> Response {
        let data = try await service.report(job: RequestInput.jobID(context))
        return Responses.bytes(data, contentType: "application/json; charset=utf-8")
    }
}
