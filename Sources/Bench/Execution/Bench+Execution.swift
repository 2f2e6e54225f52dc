import Foundation
import Deployer
import HilAPI
import HildStore
import Logging

/// What a job's thread tells the actor while it runs, in order.
enum RunUpdate: Sendable {
    case phase(String)
    case progress(RunProgress)
    case note(String)
}

extension Bench {
    /// One attempt of a job on a board claimed for it: inputs, deployment, evaluation, verdict.
    func execute(job id: Int64, board boardID: String) async {
        guard var job = running[id] else { return }
        job.record.state = .running
        job.record.attempts += 1
        job.record.board = boardID
        job.record.startedAt = job.record.startedAt ?? Date()
        job.record.progress = JobProgress(phase: "preparing")
        job.record.reason = nil
        running[id] = job
        write(job.record, event: JobEvent(jobID: id, kind: "assigned", message: "attempt \(job.record.attempts) on \(boardID) (\(job.board.kind.rawValue) \(job.board.boardType))", board: boardID))

        let outcome: Result<EvaluationReport, AttemptFailure>
        switch prepare(job.record.spec) {
        case let .failure(error): outcome = .failure(error)
        case let .success(run): outcome = await evaluate(run, job: id, on: job.board)
        }
        finish(job: id, board: boardID, outcome: outcome)
        wake()
    }

    private func prepare(_ spec: JobSpec) -> Result<JobRun, AttemptFailure> {
        do throws(JobInputError) {
            var request = RunRequest(modelPath: try artifacts.file(spec.model, kind: .model, role: "model"),
                                     datasetPath: try artifacts.dataset(spec.dataset))
            request.labelMapPath = try spec.labels.map { id throws(JobInputError) in try artifacts.file(id, kind: .labels, role: "label map") }
            request.limit = spec.options.limit
            request.baud = spec.options.baud
            request.warmup = spec.options.warmup
            request.repeats = spec.options.repeats
            request.profile = spec.options.profile ?? RunRequest.defaultProfile
            request.pixelRange = spec.options.pixels.flatMap(PixelRange.init(name:))
            let harness = try spec.firmware.map { id throws(JobInputError) in try artifacts.file(id, kind: .firmware, role: "firmware image") }
            return .success(JobRun(request: request, harnessPath: harness))
        } catch {
            switch error {
            case let .invalid(m): return .failure(.input(m))
            case let .unavailable(m): return .failure(.infrastructure(m))
            }
        }
    }

    /// Runs the board's blocking evaluation on a thread of its own and applies its updates here,
    /// in order, while it runs.
    private func evaluate(_ run: JobRun, job id: Int64, on board: any BenchBoard) async -> Result<EvaluationReport, AttemptFailure> {
        guard let stop = running[id]?.stop else { return .failure(.stopped(.cancel)) }
        let (updates, sink) = AsyncStream<RunUpdate>.makeStream()
        let hooks = RunHooks(phase: { sink.yield(.phase($0)) }, progress: { sink.yield(.progress($0)) },
                             note: { sink.yield(.note($0)) }, shouldStop: { stop.reason != nil })
        let catalog = self.catalog
        async let result: Result<EvaluationReport, RunError> = onThread {
            defer { sink.finish() }
            do throws(RunError) { return .success(try board.evaluate(run, catalog: catalog, hooks: hooks)) }
            catch { return .failure(error) }
        }
        for await update in updates { apply(update, job: id) }
        switch await result {
        case let .success(report): return .success(report)
        case let .failure(error):
            if case .cancelled = error { return .failure(.stopped(stop.reason ?? .cancel)) }
            return .failure(error.isInfrastructure ? .infrastructure(error.description) : .input(error.description))
        }
    }

    private func apply(_ update: RunUpdate, job id: Int64) {
        guard var job = running[id] else { return }
        let board = job.record.board
        switch update {
        case let .phase(phase):
            guard phase != job.phase else { return }
            let now = ContinuousClock.now
            if phase == "flashing" {
                job.flashStart = now
                if let since = queuedSince.removeValue(forKey: id) { metrics.scheduled(seconds: (now - since).seconds) }
            } else if let start = job.flashStart, job.phase == "flashing" {
                metrics.flashed(seconds: (now - start).seconds)
            }
            job.phase = phase
            job.record.progress = JobProgress(phase: phase, done: job.record.progress?.done ?? 0, total: job.record.progress?.total ?? 0,
                                              accuracy: job.record.progress?.accuracy)
            running[id] = job
            write(job.record, event: JobEvent(jobID: id, kind: phase, message: Self.phaseMessage(phase), board: board, progress: job.record.progress))
        case let .progress(p):
            job.record.progress = JobProgress(phase: "streaming", done: p.done, total: p.total, accuracy: p.accuracy)
            // The log keeps about one progress line a second (and the last); followers get the same.
            let now = ContinuousClock.now
            guard p.done == p.total || now - job.lastProgressWrite >= .seconds(1) else { running[id] = job; return }
            job.lastProgressWrite = now
            running[id] = job
            let message = String(format: "%d/%d samples, accuracy %.1f %%, %.1f samples/s", p.done, p.total, p.accuracy * 100, p.samplesPerSecond)
            write(job.record, event: JobEvent(jobID: id, kind: "progress", message: message, board: board, progress: job.record.progress))
        case let .note(text):
            append(JobEvent(jobID: id, kind: "log", message: text, board: board))
        }
    }

    static func phaseMessage(_ phase: String) -> String {
        switch phase {
        case "flashing": return "deploying the firmware and model"
        case "hello": return "waiting for the harness to say hello"
        case "streaming": return "streaming the test set"
        default: return phase
        }
    }
}

/// Why an attempt did not produce a report.
enum AttemptFailure: Error, Sendable {
    /// The user's input: never retried.
    case input(String)
    /// The bench's failure: retried on another matching board while attempts remain.
    case infrastructure(String)
    case stopped(StopSignal.Reason)
}

/// Runs blocking work (flashing, serial I/O) on a thread of its own: the cooperative pool has one
/// thread per core and a bench with 16 boards must not starve it.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

