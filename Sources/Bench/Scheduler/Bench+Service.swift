import Foundation
import Deployer
import HilAPI
import HildStore

/// The API's view of the bench. Every refusal names the input and what to do.
extension Bench: BenchService {
    public static let version = "0.4.0"

    public func health() async -> HealthStatus {
        let counts = (try? store.jobCounts()) ?? [:]
        return HealthStatus(version: Self.version, boards: registry.boards.count,
                            queued: counts[.queued] ?? 0, running: counts[.running] ?? 0)
    }

    public func boards() async -> [BoardInfo] { benchBoards() }

    /// This host's boards as they stand, and on a shared store every other host's as last
    /// recorded (offline where the host stopped renewing its lease).
    func benchBoards() -> [BoardInfo] {
        let local = registry.boards
        guard let host = store.sharedHost else { return local }
        let others: [BoardInfo]
        do { others = (try store.benchBoards() ?? []).filter { $0.host != host } } catch {
            logger.error("cannot read the other hosts' boards: \(error)")
            return local
        }
        return (local + others).sorted { ($0.host ?? "", $0.id) < ($1.host ?? "", $1.id) }
    }

    public func board(id: String) async throws(APIError) -> BoardInfo {
        if let info = registry.info(id) { return info }
        // Board ids are unique per host; another host's board is found by its id alone.
        if store.sharedHost != nil, let info = benchBoards().first(where: { $0.id == id }) { return info }
        throw .notFound("no board \(id) on this bench; `hilctl boards` lists them", code: "board_not_found")
    }

    public func submit(_ spec: JobSpec) async throws(APIError) -> JobRecord {
        guard !shuttingDown else { throw .unavailable("hild is shutting down; submit again when it is back", code: "shutting_down") }
        try SpecCheck(knownTypes: boardTypes).validate(spec)
        try requireArtifact(spec.model, .model, "model")
        try checkPixels(spec)
        try requireArtifact(spec.dataset, .dataset, "dataset")
        if let id = spec.firmware { try requireArtifact(id, .firmware, "firmware") }
        if let id = spec.labels { try requireArtifact(id, .labels, "labels") }
        let record = try api { () throws(StoreError) in try store.insertJob(spec) }
        queuedSince[record.id] = .now
        queued[record.id] = record
        if !(registry.boards + otherHostsBoards).contains(where: { spec.selector.matches($0) }) {
            append(JobEvent(jobID: record.id, kind: "log", message: "no board on this bench matches \(spec.selector.description) yet; the job waits in the queue until one is attached"))
        }
        wake()
        return record
    }

    public func jobs(state: JobState?, limit: Int) async throws(APIError) -> [JobRecord] {
        try api { () throws(StoreError) in try store.jobs(state: state, limit: max(1, min(limit, 10_000))) }
            .map { running[$0.id]?.record ?? $0 }
    }

    public func job(id: Int64) async throws(APIError) -> JobRecord {
        if let live = running[id]?.record { return live }
        guard let record = try api({ () throws(StoreError) in try store.job(id) }) else { throw Self.noJob(id) }
        return record
    }

    public func cancel(job id: Int64) async throws(APIError) -> JobRecord {
        if let live = running[id] {
            live.stop.request(.cancel)
            append(JobEvent(jobID: id, kind: "cancel_requested", message: "cancel requested; the run stops at the next sample and frees \(live.record.board ?? "the board")", board: live.record.board))
            return live.record
        }
        guard var record = try api({ () throws(StoreError) in try store.job(id) }) else { throw Self.noJob(id) }
        if record.state == .running, store.sharedHost != nil { return try cancelElsewhere(record) }
        guard record.state == .queued else {
            throw .conflict("job \(id) has already ended (\(record.state.rawValue)); there is nothing to cancel", code: "job_finished")
        }
        if store.sharedHost != nil {
            // Written now, not kept for later: if a host claims the job meanwhile the store
            // refuses this unleased write, and the cancel goes to that host instead.
            var cancelled = record
            let event = Self.settle(&cancelled, .cancelled, reason: "cancelled by request before it started", kind: "cancelled",
                                    board: nil, message: "cancelled while queued")
            do throws(StoreError) {
                published(try store.updateJob(cancelled, appending: event))
                queued[id] = nil
                finished(cancelled)
                return cancelled
            } catch {
                guard error.kind.isLeaseLost else { throw Self.storeError(error) }
                record.state = .running
                return try cancelElsewhere(record)
            }
        }
        end(&record, .cancelled, reason: "cancelled by request before it started", kind: "cancelled", board: nil, message: "cancelled while queued")
        return record
    }

    /// A job another host runs: that host hears the request at its next lease renewal.
    private func cancelElsewhere(_ record: JobRecord) throws(APIError) -> JobRecord {
        let asked = try api { () throws(StoreError) in try store.requestCancel(job: record.id) }
        guard asked else {
            throw .conflict("job \(record.id) has just ended or changed hands; look at it again (hilctl job \(record.id)) and cancel again if it still runs", code: "job_moved")
        }
        append(JobEvent(jobID: record.id, kind: "cancel_requested", message: "cancel requested on \(store.sharedHost ?? "this host"); \(record.host ?? "the host running it") stops the run within \(Int(configuration.leaseSeconds / 3) + 1) s and frees \(record.board ?? "the board")", board: record.board))
        return record
    }

    public func events(job id: Int64, after: Int64) async throws(APIError) -> [JobEvent] {
        _ = try await job(id: id)
        return try api { () throws(StoreError) in try store.events(job: id, after: after) }
    }

    public func liveEvents(job id: Int64, after: Int64) async throws(APIError) -> AsyncStream<JobEvent> {
        let record = try await job(id: id)
        // Subscribe and read the backlog without suspending in between: no event is lost or doubled.
        let (follower, stream, continuation) = hub.follow(job: id)
        let backlog: [JobEvent]
        do { backlog = try store.events(job: id, after: after) } catch {
            hub.unfollow(job: id, id: follower)
            throw Self.storeError(error)
        }
        let (out, outSink) = AsyncStream<JobEvent>.makeStream()
        for e in backlog { outSink.yield(e) }
        if record.state.isFinal {
            hub.unfollow(job: id, id: follower)
            continuation.finish()
            outSink.finish()
            return out
        }
        let last = backlog.last?.seq ?? after
        hub.primed(job: id, upTo: last)
        let task = Task {
            for await e in stream where e.seq > last { outSink.yield(e) }
            outSink.finish()
        }
        outSink.onTermination = { [weak self] _ in
            task.cancel()
            continuation.finish()
            Task { await self?.dropFollower(job: id, follower: follower) }
        }
        return out
    }

    func dropFollower(job: Int64, follower: UUID) { hub.unfollow(job: job, id: follower) }

    public func report(job id: Int64) async throws(APIError) -> Data {
        let record = try await job(id: id)
        guard let data = try api({ () throws(StoreError) in try store.report(job: id) }) else {
            throw .notFound("job \(id) has no report: it is \(record.state.rawValue)\(record.reason.map { " (\($0))" } ?? ""); a report exists once a run reaches the end of its test set", code: "report_not_found")
        }
        return data
    }

    public func putArtifact(kind: ArtifactKind, bytes: Data) async throws(APIError) -> ArtifactInfo {
        try ArtifactCheck.validate(kind: kind, bytes: bytes)
        return try api { () throws(StoreError) in try store.putArtifact(kind: kind, bytes: bytes) }
    }

    public func artifact(id: ArtifactID) async throws(APIError) -> ArtifactInfo {
        guard let info = try api({ () throws(StoreError) in try store.artifact(id) }) else {
            throw .notFound("no artifact \(id) on this bench; upload it with POST /v1/artifacts", code: "artifact_not_found")
        }
        return info
    }

    public func metrics() async -> String {
        metrics.render(jobs: (try? store.jobCounts()) ?? [:], boards: registry.boards)
    }

    private func requireArtifact(_ id: ArtifactID, _ kind: ArtifactKind, _ field: String) throws(APIError) {
        guard let info = try api({ () throws(StoreError) in try store.artifact(id) }) else {
            throw .badRequest("\(field) \(id) is not stored on this bench; upload it first (POST /v1/artifacts?kind=\(kind.rawValue)); hilctl submit does", code: "artifact_not_found")
        }
        guard info.kind == kind else {
            throw .badRequest("\(field) \(id.prefix(16))… was uploaded as a \(info.kind.rawValue), not a \(kind.rawValue)", code: "artifact_kind")
        }
    }

    /// An explicit pixel range that contradicts the one the model records is refused now, while
    /// the client can fix it, not on a board later.
    private func checkPixels(_ spec: JobSpec) throws(APIError) {
        guard let pixels = spec.options.pixels, let asked = PixelRange(name: pixels),
              let path = try? artifacts.file(spec.model, kind: .model, role: "model"),
              let model = try? ModelFile.load(path: path) else { return }
        do { _ = try InputMapping.resolve(contract: model.summary.inputContract, option: asked, modelPath: "model \(spec.model.prefix(16))…") } catch {
            throw .badRequest(error.description, code: "pixels_contradict_model")
        }
    }

    static func noJob(_ id: Int64) -> APIError {
        .notFound("no job \(id) on this bench; `hilctl jobs` lists them", code: "job_not_found")
    }

    static func storeError(_ e: StoreError) -> APIError {
        switch e.kind {
        case .diskFull: return .insufficientStorage(e.description)
        case .tooLarge: return .tooLarge(e.description)
        case let .unknownJob(id): return noJob(id)
        default: return .unavailable("the bench's store failed: \(e.description)", code: "store")
        }
    }

    func api<T>(_ body: () throws(StoreError) -> T) throws(APIError) -> T {
        do { return try body() } catch { throw Self.storeError(error) }
    }
}
