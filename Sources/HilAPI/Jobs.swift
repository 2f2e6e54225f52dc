import Foundation

/// A content-addressed artifact: the lowercase hex SHA-256 of its bytes.
public typealias ArtifactID = String

public enum ArtifactKind: String, Codable, Sendable, CaseIterable {
    /// An exported int8 model (.hilm).
    case model
    /// A harness firmware image (ELF, Intel HEX or BIN) to pack the model into.
    case firmware
    /// A test set as a tar archive of its folder (ImageFolder, flat Kaggle test folder or .npy files).
    case dataset
    /// A label map (JSON or name=label lines).
    case labels
}

public struct ArtifactInfo: Codable, Sendable, Equatable {
    public var id: ArtifactID
    public var kind: ArtifactKind
    public var size: Int
    public var createdAt: Date
    public init(id: ArtifactID, kind: ArtifactKind, size: Int, createdAt: Date = Date()) {
        self.id = id; self.kind = kind; self.size = size; self.createdAt = createdAt
    }
}

public struct JobOptions: Codable, Sendable, Equatable {
    /// Evaluate only the first N samples (classes interleaved).
    public var limit: Int?
    /// Switch the line to this rate after hello.
    public var baud: Int?
    /// Inferences run and discarded before measuring (caches, first-call effects).
    public var warmup: Int
    /// Times the test set is streamed; latency figures pool every pass, accuracy is the first pass's.
    public var repeats: Int
    /// How the model reads 8-bit pixels: unit, centered or raw; nil takes the range the model
    /// records (docs/model-format.md, "The input contract"), unit for a model that records none.
    public var pixels: String?
    /// Inputs profiled layer by layer (the first of the test set's order); nil for the bench's
    /// default (5), 0 for none.
    public var profile: Int?

    public init(limit: Int? = nil, baud: Int? = nil, warmup: Int = 0, repeats: Int = 1, pixels: String? = nil,
                profile: Int? = nil) {
        self.limit = limit; self.baud = baud; self.warmup = warmup; self.repeats = repeats; self.pixels = pixels
        self.profile = profile
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        baud = try c.decodeIfPresent(Int.self, forKey: .baud)
        warmup = try c.decodeIfPresent(Int.self, forKey: .warmup) ?? 0
        repeats = try c.decodeIfPresent(Int.self, forKey: .repeats) ?? 1
        pixels = try c.decodeIfPresent(String.self, forKey: .pixels)
        profile = try c.decodeIfPresent(Int.self, forKey: .profile)
    }
}

/// What a job must reach to pass. Missing a threshold is a test failure, never retried.
public struct Thresholds: Codable, Sendable, Equatable {
    /// Top-1 accuracy, 0…1.
    public var minTop1: Double?
    /// Median and 99th-percentile latency in milliseconds, at the board's core clock.
    public var maxP50Ms: Double?
    public var maxP99Ms: Double?
    /// Fraction of samples whose device prediction equals the host reference, 0…1.
    public var minAgreement: Double?

    public init(minTop1: Double? = nil, maxP50Ms: Double? = nil, maxP99Ms: Double? = nil, minAgreement: Double? = nil) {
        self.minTop1 = minTop1; self.maxP50Ms = maxP50Ms; self.maxP99Ms = maxP99Ms; self.minAgreement = minAgreement
    }
    public var isEmpty: Bool { minTop1 == nil && maxP50Ms == nil && maxP99Ms == nil && minAgreement == nil }
}

/// What a client submits.
public struct JobSpec: Codable, Sendable, Equatable {
    public var name: String?
    public var model: ArtifactID
    /// A harness image to pack the model into; default: the board's own harness build.
    public var firmware: ArtifactID?
    public var dataset: ArtifactID
    public var labels: ArtifactID?
    public var selector: BoardSelector
    public var options: JobOptions
    public var thresholds: Thresholds
    /// Higher runs first; equal priorities run oldest first.
    public var priority: Int
    /// A health check may run on a quarantined board (named by `selector.board`); passing releases it.
    public var healthCheck: Bool

    public init(name: String? = nil, model: ArtifactID, firmware: ArtifactID? = nil, dataset: ArtifactID,
                labels: ArtifactID? = nil, selector: BoardSelector = BoardSelector(), options: JobOptions = JobOptions(),
                thresholds: Thresholds = Thresholds(), priority: Int = 0, healthCheck: Bool = false) {
        self.name = name; self.model = model; self.firmware = firmware; self.dataset = dataset; self.labels = labels
        self.selector = selector; self.options = options; self.thresholds = thresholds
        self.priority = priority; self.healthCheck = healthCheck
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        model = try c.decode(ArtifactID.self, forKey: .model)
        firmware = try c.decodeIfPresent(ArtifactID.self, forKey: .firmware)
        dataset = try c.decode(ArtifactID.self, forKey: .dataset)
        labels = try c.decodeIfPresent(ArtifactID.self, forKey: .labels)
        selector = try c.decodeIfPresent(BoardSelector.self, forKey: .selector) ?? BoardSelector()
        options = try c.decodeIfPresent(JobOptions.self, forKey: .options) ?? JobOptions()
        thresholds = try c.decodeIfPresent(Thresholds.self, forKey: .thresholds) ?? Thresholds()
        priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0
        healthCheck = try c.decodeIfPresent(Bool.self, forKey: .healthCheck) ?? false
    }
}

public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running
    /// Ran to the end and met every threshold.
    case passed
    /// A test result: thresholds missed, or the input refused (bad model, dataset, labels). Never retried.
    case failed
    /// The bench failed (flash, serial, unplug, QEMU died) and retries ran out, or it was interrupted.
    case errored
    case cancelled

    public var isFinal: Bool { self != .queued && self != .running }
}

/// The live position of a running job.
public struct JobProgress: Codable, Sendable, Equatable {
    public var phase: String          // "flashing", "hello", "streaming"
    public var done: Int
    public var total: Int
    public var accuracy: Double?
    public init(phase: String, done: Int = 0, total: Int = 0, accuracy: Double? = nil) {
        self.phase = phase; self.done = done; self.total = total; self.accuracy = accuracy
    }
}

/// One threshold against the figure the run reached.
public struct ThresholdCheck: Codable, Sendable, Equatable {
    public var name: String           // "min_top1", "max_p50_ms", "max_p99_ms", "min_agreement"
    public var limit: Double
    public var actual: Double?
    public var passed: Bool
    public init(name: String, limit: Double, actual: Double?, passed: Bool) {
        self.name = name; self.limit = limit; self.actual = actual; self.passed = passed
    }
}

/// The headline figures of a finished job (the whole report is at /v1/jobs/{id}/report).
public struct JobSummary: Codable, Sendable, Equatable {
    public var samples: Int
    public var top1: Double
    public var agreement: Double
    public var p50Ms: Double?
    public var p99Ms: Double?
    public var timerKind: String
    public init(samples: Int, top1: Double, agreement: Double, p50Ms: Double?, p99Ms: Double?, timerKind: String) {
        self.samples = samples; self.top1 = top1; self.agreement = agreement
        self.p50Ms = p50Ms; self.p99Ms = p99Ms; self.timerKind = timerKind
    }
}

/// A job as the store holds it and the API shows it.
public struct JobRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var spec: JobSpec
    public var state: JobState
    /// Why it failed, errored or was cancelled (a sentence a user can act on).
    public var reason: String?
    /// "thresholds", "input", "infrastructure", "interrupted", "cancelled" for final non-passing states.
    public var failureKind: String?
    /// Attempts started so far (an infrastructure failure starts another on a matching board).
    public var attempts: Int
    /// The board of the current or last attempt.
    public var board: String?
    /// Boards whose attempt failed for infrastructure reasons (a retry prefers others).
    public var failedBoards: [String]
    public var submittedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var progress: JobProgress?
    public var summary: JobSummary?
    public var checks: [ThresholdCheck]
    /// The host of the current or last attempt, on a bench of several hosts; nil on a bench of one.
    public var host: String?

    public init(id: Int64, spec: JobSpec, state: JobState = .queued, reason: String? = nil, failureKind: String? = nil,
                attempts: Int = 0, board: String? = nil, failedBoards: [String] = [], submittedAt: Date = Date(),
                startedAt: Date? = nil, finishedAt: Date? = nil, progress: JobProgress? = nil,
                summary: JobSummary? = nil, checks: [ThresholdCheck] = [], host: String? = nil) {
        self.host = host
        self.id = id; self.spec = spec; self.state = state; self.reason = reason; self.failureKind = failureKind
        self.attempts = attempts; self.board = board; self.failedBoards = failedBoards; self.submittedAt = submittedAt
        self.startedAt = startedAt; self.finishedAt = finishedAt; self.progress = progress
        self.summary = summary; self.checks = checks
    }
}

/// One entry of a job's log; also what the live event stream carries.
public struct JobEvent: Codable, Sendable, Equatable {
    /// Increases per job from 1; a client resumes a stream after the last seq it saw.
    public var seq: Int64
    public var jobID: Int64
    public var time: Date
    /// "queued", "assigned", "flashing", "hello", "progress", "retry", "log", "finished", "cancel_requested",
    /// and on a bench of several hosts "lease_expired" (a host stopped renewing its hold on the job).
    public var kind: String
    public var message: String
    public var board: String?
    public var progress: JobProgress?
    /// Set on "finished": the final state.
    public var state: JobState?

    /// `jobID` is spelled so that the API's snake_case conversion reads back what it wrote
    /// ("job_id" converts back to "jobId", not "jobID").
    enum CodingKeys: String, CodingKey {
        case seq, jobID = "jobId", time, kind, message, board, progress, state
    }

    public init(seq: Int64 = 0, jobID: Int64, time: Date = Date(), kind: String, message: String,
                board: String? = nil, progress: JobProgress? = nil, state: JobState? = nil) {
        self.seq = seq; self.jobID = jobID; self.time = time; self.kind = kind; self.message = message
        self.board = board; self.progress = progress; self.state = state
    }
}
