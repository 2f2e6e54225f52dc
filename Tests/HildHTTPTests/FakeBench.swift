import Foundation
import HilAPI

/// A bench in memory: enough behaviour to tell whether the HTTP layer asked the right thing.
actor FakeBench: BenchService {
    var boardList: [BoardInfo] = [
        BoardInfo(id: "066DFF535155878281151932", kind: .usb, boardType: "stm32f746g-disco", tags: ["lab"],
                  lastSeen: Date(timeIntervalSince1970: 1_700_000_000)),
        BoardInfo(id: "qemu-1", kind: .qemu, boardType: "qemu-mps2-an500"),
    ]
    var jobList: [Int64: JobRecord] = [:]
    var eventLog: [Int64: [JobEvent]] = [:]
    var artifactList: [ArtifactID: ArtifactInfo] = [:]
    var uploads: [Data] = []
    /// Pause between live events, so keep-alive comments have silence to fill.
    var liveDelay: Duration = .zero
    var nextID: Int64 = 1

    func setLiveDelay(_ delay: Duration) { liveDelay = delay }

    /// A finished job with the usual sequence of events.
    func addFinishedJob() -> Int64 {
        let id = nextID; nextID += 1
        jobList[id] = JobRecord(id: id, spec: JobSpec(model: sha("m"), dataset: sha("d")), state: .passed)
        let kinds = ["queued", "assigned", "flashing", "progress", "finished"]
        eventLog[id] = kinds.enumerated().map { i, kind in
            JobEvent(seq: Int64(i + 1), jobID: id, kind: kind, message: "\(kind) message",
                     state: kind == "finished" ? .passed : nil)
        }
        return id
    }

    func health() async -> HealthStatus {
        HealthStatus(version: "test", boards: boardList.count, queued: 0, running: 0)
    }
    func boards() async -> [BoardInfo] { boardList }
    func board(id: String) async throws(APIError) -> BoardInfo {
        guard let b = boardList.first(where: { $0.id == id }) else { throw .notFound("no board \(id)", code: "board_not_found") }
        return b
    }
    func submit(_ spec: JobSpec) async throws(APIError) -> JobRecord {
        let id = nextID; nextID += 1
        let record = JobRecord(id: id, spec: spec)
        jobList[id] = record
        return record
    }
    func jobs(state: JobState?, limit: Int) async throws(APIError) -> [JobRecord] {
        Array(jobList.values.filter { state == nil || $0.state == state }.sorted { $0.id > $1.id }.prefix(limit))
    }
    func job(id: Int64) async throws(APIError) -> JobRecord {
        guard let j = jobList[id] else { throw .notFound("no job \(id)", code: "job_not_found") }
        return j
    }
    func cancel(job id: Int64) async throws(APIError) -> JobRecord {
        guard var j = jobList[id] else { throw .notFound("no job \(id)", code: "job_not_found") }
        if j.state.isFinal { throw .conflict("job \(id) already finished", code: "job_finished") }
        j.state = .cancelled
        jobList[id] = j
        return j
    }
    func events(job id: Int64, after: Int64) async throws(APIError) -> [JobEvent] {
        guard let events = eventLog[id] else { throw .notFound("no job \(id)", code: "job_not_found") }
        return events.filter { $0.seq > after }
    }
    func liveEvents(job id: Int64, after: Int64) async throws(APIError) -> AsyncStream<JobEvent> {
        let events = try await self.events(job: id, after: after)
        let delay = liveDelay
        return AsyncStream { continuation in
            let task = Task {
                for event in events {
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    continuation.yield(event)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
    func report(job id: Int64) async throws(APIError) -> Data {
        _ = try await job(id: id)
        return Data(#"{"schema_version":1,"job":\#(id)}"#.utf8)
    }
    func putArtifact(kind: ArtifactKind, bytes: Data) async throws(APIError) -> ArtifactInfo {
        uploads.append(bytes)
        let info = ArtifactInfo(id: sha(String(decoding: bytes, as: UTF8.self)), kind: kind, size: bytes.count)
        artifactList[info.id] = info
        return info
    }
    func artifact(id: ArtifactID) async throws(APIError) -> ArtifactInfo {
        guard let a = artifactList[id] else { throw .notFound("no artifact \(id)", code: "artifact_not_found") }
        return a
    }
    func metrics() async -> String { "# TYPE hild_jobs_total counter\nhild_jobs_total 3\n" }
}

/// A stand-in for a SHA-256: 64 hex digits derived from the text (the fake does not hash).
func sha(_ text: String) -> String {
    let hex = Array(text.utf8).map { String(format: "%02x", $0) }.joined()
    return String((hex + String(repeating: "0", count: 64)).prefix(64))
}
