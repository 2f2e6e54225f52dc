// bench-benchmark: hild with many mock boards, measured from outside as a client sees it.
//
//   swift build -c release --product hild && swift run -c release bench-benchmark [BOARDS] [JOBS_PER_BOARD] [STORED]
//   swift run -c release bench-benchmark --farm [JOBS_PER_BOARD] [STORED]     (shared PostgreSQL store; Farm.swift)
//
// Prints: jobs per minute on 1 board and on BOARDS boards (and the ratio), scheduling latency from
// submit to flash start, API latency (p50/p99) for GET /v1/boards and GET /v1/jobs under concurrent
// load with STORED jobs in the store, and hild's resident memory. Figures, not a test. The boards
// are host-harness mocks: this measures the bench around them (sixteen emulated cores on two CPUs
// would measure the emulator; emulated-board-benchmark does that).
import Foundation
import HilAPI
import HilCLI

let farmMode = CommandLine.arguments.dropFirst().contains("--farm")
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
// The farm mode fixes its boards (16 a host) and takes only JOBS_PER_BOARD and STORED.
let boardCount = farmMode ? 16 : arguments.first ?? 16
let jobsPerBoard = (farmMode ? arguments.first : arguments.dropFirst().first) ?? 4
let storedJobs = (farmMode ? arguments.dropFirst().first : arguments.dropFirst(2).first) ?? (farmMode ? 100_000 : 10_000)
let samplesPerJob = 10
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
guard FileManager.default.isExecutableFile(atPath: binDirectory.appendingPathComponent("hild").path) else {
    print("bench-benchmark runs the hild built beside it, and \(binDirectory.path)/hild is missing: swift build -c release --product hild")
    exit(1)
}

/// One hild process with `boards` mock boards in a fresh state directory. With a `shared` store
/// (the farm mode) it joins that PostgreSQL database as `host` and logs at notice level to `log`,
/// which outlives the process so its errors and warnings can be looked at afterwards.
final class HildProcess: @unchecked Sendable {
    struct Shared {
        var store: String
        var host: String
        var mockFirst: Int
        var log: URL
    }
    let process = Process()
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("bench-benchmark-\(UUID().uuidString.prefix(8))")
    let client: HildClient
    let shared: Shared?

    init(boards: Int, shared: Shared? = nil) throws {
        self.shared = shared
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let socket = state.appendingPathComponent("hild.sock").path
        process.executableURL = binDirectory.appendingPathComponent("hild")
        process.arguments = ["--mock", "\(boards)", "--mock-core", "host-harness", "--no-udev", "--state-dir", state.path, "--socket", socket,
                             "--boards", root.appendingPathComponent("boards").path]
        if let shared {
            process.arguments! += ["--store", shared.store, "--host-name", shared.host, "--mock-first", "\(shared.mockFirst)", "--log-level", "notice"]
            _ = FileManager.default.createFile(atPath: shared.log.path, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: shared.log.path)
        } else {
            process.arguments! += ["--log-level", "warning"]
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        }
        try process.run()
        client = HildClient(endpoint: .unix(path: socket))
    }

    func ready(boards: Int) async throws {
        for _ in 0..<600 {
            if let list = try? await client.boards(), list.filter({ $0.state == .idle }).count == boards { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CocoaError(.fileReadUnknown)
    }

    /// Resident and peak resident memory, from /proc.
    func memory() -> (rss: Int, peak: Int) {
        let text = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func kB(_ key: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? 0
        }
        return (kB("VmRSS:"), kB("VmHWM:"))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: state)
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count - 1)).rounded()))]
}

func tarOfHoldout() throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["tar", "-C", root.appendingPathComponent("examples/shapes/holdout").path, "-cf", "-", "."]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return data
}

func exampleSpec(_ client: HildClient, selector: BoardSelector = BoardSelector()) async throws -> JobSpec {
    let model = try await client.putArtifact(kind: .model, bytes: Data(contentsOf: root.appendingPathComponent("examples/shapes/shapes.hilm")))
    let dataset = try await client.putArtifact(kind: .dataset, bytes: tarOfHoldout())
    var spec = JobSpec(model: model.id, dataset: dataset.id, selector: selector)
    spec.options.limit = samplesPerJob
    spec.options.baud = 921_600
    return spec
}

/// Jobs per minute with `boards` boards, each job the example model on `samplesPerJob` samples.
func throughput(boards: Int) async throws -> (perMinute: Double, scheduling: [Double], seconds: Double) {
    let hild = try HildProcess(boards: boards)
    defer { hild.stop() }
    try await hild.ready(boards: boards)
    let spec = try await exampleSpec(hild.client)
    let count = boards * jobsPerBoard
    let start = ContinuousClock.now
    var ids: [Int64] = []
    for _ in 0..<count { ids.append(try await hild.client.submit(spec).id) }
    while try await hild.client.jobs(state: .queued, limit: 1).count + hild.client.jobs(state: .running, limit: 1).count > 0 {
        try await Task.sleep(for: .milliseconds(50))
    }
    let seconds = (ContinuousClock.now - start).seconds
    var scheduling: [Double] = []
    for id in ids {
        let events = try await hild.client.events(job: id)
        if let queued = events.first(where: { $0.kind == "queued" }), let flash = events.first(where: { $0.kind == "flashing" }) {
            scheduling.append(flash.time.timeIntervalSince(queued.time))
        }
        let job = try await hild.client.job(id)
        if job.state != .passed { print("  job \(id) ended \(job.state.rawValue): \(job.reason ?? "")") }
    }
    return (Double(count) / seconds * 60, scheduling, seconds)
}

extension Duration { var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 } }

if farmMode {
    try await farmBenchmark()
    exit(0)
}

print("bench-benchmark: mock boards, \(jobsPerBoard) jobs per board, \(samplesPerJob) samples per job at 921600 baud; \(ProcessInfo.processInfo.activeProcessorCount) cores")
let one = try await throughput(boards: 1)
print(String(format: "1 board:   %d jobs in %.1f s = %.1f jobs/min", jobsPerBoard, one.seconds, one.perMinute))
let many = try await throughput(boards: boardCount)
print(String(format: "%d boards: %d jobs in %.1f s = %.1f jobs/min  (%.2f× one board; %d× is linear)",
             boardCount, boardCount * jobsPerBoard, many.seconds, many.perMinute, many.perMinute / one.perMinute, boardCount))
print(String(format: "scheduling latency, submit → flash start: p50 %.1f ms, p99 %.1f ms with %d boards (queue waits included: jobs beyond the boards wait for a free one); first wave p50 %.1f ms",
             percentile(many.scheduling, 50) * 1000, percentile(many.scheduling, 99) * 1000, boardCount,
             percentile(Array(many.scheduling.prefix(boardCount)), 50) * 1000))

// The API under load, with `storedJobs` jobs in the store (queued for a tag no board has, so they stay).
let hild = try HildProcess(boards: boardCount)
try await hild.ready(boards: boardCount)
let parked = try await exampleSpec(hild.client, selector: BoardSelector(tag: "parked"))
let fillStart = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for worker in 0..<4 {
        group.addTask {
            for _ in stride(from: worker, to: storedJobs, by: 4) { _ = try await hild.client.submit(parked) }
        }
    }
    try await group.waitForAll()
}
print(String(format: "stored %d jobs through the API in %.1f s (%.2f ms per submit, 4 clients)", storedJobs,
             (ContinuousClock.now - fillStart).seconds, (ContinuousClock.now - fillStart).seconds * 1000 / Double(storedJobs) * 4))
let clients = 8, requestsPerClient = 200
for (name, path) in [("GET /v1/boards", "/v1/boards"), ("GET /v1/jobs (100 newest)", "/v1/jobs?limit=100")] {
    let start = ContinuousClock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<clients {
            group.addTask {
                var mine: [Double] = []
                for _ in 0..<requestsPerClient {
                    let t = ContinuousClock.now
                    let r = try await hild.client.send(HildRequest(.GET, path))
                    precondition(r.isSuccess)
                    mine.append((ContinuousClock.now - t).seconds)
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await mine in group { all += mine }
        return all
    }
    let wall = (ContinuousClock.now - start).seconds
    print(String(format: "%@: %d clients × %d requests: p50 %.2f ms, p99 %.2f ms, %.0f requests/s",
                 name, clients, requestsPerClient, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, Double(latencies.count) / wall))
}
let memory = hild.memory()
print(String(format: "hild resident memory with %d mock boards and %d stored jobs: %.1f MiB (peak %.1f MiB)",
             boardCount, storedJobs, Double(memory.rss) / 1024, Double(memory.peak) / 1024))
hild.stop()
