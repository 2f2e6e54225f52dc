// bench-benchmark --farm [JOBS_PER_BOARD] [STORED]: several hilds sharing one PostgreSQL store.
//
// Measures, with the same host-harness mock boards and jobs as the single-host mode:
//   - jobs/min with 1 and 16 boards on one hild on SQLite (for comparison) and on PostgreSQL, and
//     with 3 hilds × 16 boards on one database, jobs submitted through one host and spread over
//     the three (one client a host, concurrently);
//   - claim latency, a job's "queued" event to its "assigned" event, over all jobs and over the
//     first wave (jobs that found a board free when they were queued);
//   - GET /v1/jobs (the default 100 newest) and GET /v1/boards under the single-host mode's load
//     (8 clients × 200 requests) with STORED finished jobs inserted into the database by SQL;
//   - CPU per process from /proc/PID/stat around each phase, the plan of the list query
//     (EXPLAIN ANALYZE through psql), and what hild's logs said (notice level, kept in files).
// Figures, not a test: nothing here fails on a number.
import Foundation
import HilAPI
import HilCLI
import PostgresTestCluster

/// CPU seconds from /proc. The fields after the command's closing parenthesis start at stat's
/// field 3 (state): ppid is [1], utime [11], stime [12], cutime [13], cstime [14].
enum CPUTime {
    static let tick = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func fields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func of(_ pid: Int32, children: Bool = false) -> Double {
        guard let f = fields(pid), f.count > 14 else { return 0 }
        let own = (Double(f[11]) ?? 0) + (Double(f[12]) ?? 0)
        return (own + (children ? (Double(f[13]) ?? 0) + (Double(f[14]) ?? 0) : 0)) / tick
    }

    /// The whole PostgreSQL server: the postmaster, its live children (backends, checkpointer,
    /// walwriter…), and the children that exited (counted in the postmaster's cutime once reaped).
    static func server(postmaster: Int32) -> Double {
        var total = of(postmaster, children: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), pid != postmaster, let f = fields(pid), f.count > 1, Int32(f[1]) == postmaster else { continue }
            total += of(pid)
        }
        return total
    }
}

/// The throwaway server, and psql through its socket for what the API does not do.
struct FarmDatabase {
    let cluster: PostgresCluster

    var postmaster: Int32 {
        let text = (try? String(contentsOf: cluster.directory.appendingPathComponent("data/postmaster.pid"), encoding: .utf8)) ?? ""
        return Int32(text.split(separator: "\n").first ?? "") ?? 0
    }

    var serverCPU: Double { CPUTime.server(postmaster: postmaster) }

    /// "postgresql:///NAME?host=…" → NAME.
    static func name(of url: String) -> String {
        String(url.dropFirst("postgresql:///".count).prefix { $0 != "?" })
    }

    /// Runs `sql` (several statements allowed) with psql, unaligned and tuples-only; stops at the first error.
    @discardableResult
    func psql(_ url: String, _ sql: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-benchmark-\(UUID().uuidString.prefix(8)).sql")
        try sql.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = PostgresCluster.binaries!.appendingPathComponent("psql")
        p.arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", cluster.socketDirectory, "-p", String(cluster.port),
                       "-U", "postgres", "-d", Self.name(of: url), "-f", file.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw FarmFailure("psql failed: \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct FarmFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One job as its events tell it.
struct JobTimes {
    var id: Int64
    var state: JobState
    var host: String?
    var queued: Date
    var assigned: Date?
    var finished: Date?
    var assignments: Int
    /// The host it was submitted through (its "queued" event says so on a shared store).
    var submittedOn: String?
    /// Events that mean the job did not simply run once (retries, lost leases, give-backs).
    var odd: [String]
}

struct RunFigures {
    var label: String
    var boards: Int
    var count: Int
    var seconds: Double
    /// How long the submits took (the run's first part: boards wait for work until it ends).
    var submitSeconds: Double
    var jobs: [JobTimes]
    /// CPU seconds over the run: each hild, the PostgreSQL server, this client.
    var hildCPU: [Double]
    var serverCPU: Double
    var clientCPU: Double
    /// Sum of jobs_run over every board, each read from the hild that owns it.
    var boardRuns: Int
    var perMinute: Double { Double(count) / seconds * 60 }

    /// Claim latency in seconds: "queued" → "assigned".
    var claims: [Double] { jobs.compactMap { j in j.assigned.map { $0.timeIntervalSince(j.queued) } } }

    /// The jobs that found a board free when queued: fewer jobs running and queued ahead of
    /// them than boards. Counted from the events, since with a run of submits early jobs may
    /// finish before later ones arrive.
    var firstWave: [JobTimes] {
        jobs.filter { j in
            let t = j.queued
            let busy = jobs.filter { k in k.id != j.id && (k.assigned.map { $0 <= t } ?? false) && (k.finished.map { $0 > t } ?? true) }.count
            let ahead = jobs.filter { k in k.id != j.id && k.queued < t && (k.assigned.map { $0 > t } ?? true) }.count
            return j.assigned != nil && busy + ahead < boards
        }
    }
}

/// How the jobs reach the bench: all through the first hild, or each hild submitting its share
/// at the same time (one client a host).
enum Submission { case throughFirst, spread }

/// Runs JOBS_PER_BOARD jobs a board on `hilds` (already started) and reads back every job's events.
func farmRun(_ label: String, hilds: [HildProcess], boardsPerHost: Int, submission: Submission,
             database: FarmDatabase?) async throws -> RunFigures {
    let boards = boardsPerHost * hilds.count
    // On a shared store each hild lists the whole bench, so each waits for every board.
    for hild in hilds { try await hild.ready(boards: boards) }
    let spec = try await exampleSpec(hilds[0].client)
    let count = boards * jobsPerBoard
    let cpuBefore = (hilds.map { CPUTime.of($0.process.processIdentifier) }, database?.serverCPU ?? 0, CPUTime.of(getpid()))
    let start = ContinuousClock.now
    var ids: [Int64] = []
    switch submission {
    case .throughFirst:
        for _ in 0..<count { ids.append(try await hilds[0].client.submit(spec).id) }
    case .spread:
        ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (i, hild) in hilds.enumerated() {
                group.addTask {
                    var mine: [Int64] = []
                    for _ in stride(from: i, to: count, by: hilds.count) { mine.append(try await hild.client.submit(spec).id) }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await mine in group { all += mine }
            return all.sorted()
        }
    }
    let submitSeconds = (ContinuousClock.now - start).seconds
    // Any hild answers for the whole bench: queued and running are empty once every job ended.
    while try await hilds[0].client.jobs(state: .queued, limit: 1).count + hilds[0].client.jobs(state: .running, limit: 1).count > 0 {
        try await Task.sleep(for: .milliseconds(50))
    }
    let seconds = (ContinuousClock.now - start).seconds
    let hildCPU = zip(hilds, cpuBefore.0).map { CPUTime.of($0.process.processIdentifier) - $1 }
    let serverCPU = (database?.serverCPU ?? 0) - cpuBefore.1
    let clientCPU = CPUTime.of(getpid()) - cpuBefore.2

    var jobs: [JobTimes] = []
    for (n, id) in ids.enumerated() {
        // Read through different hosts too: each must answer for jobs run anywhere.
        let client = hilds[n % hilds.count].client
        let events = try await client.events(job: id)
        let record = try await client.job(id)
        guard let queued = events.first(where: { $0.kind == "queued" }) else { throw FarmFailure("job \(id) has no queued event") }
        let odd = events.filter { ["retry", "lease_expired", "cancel_requested"].contains($0.kind) || $0.message.contains("back in the queue") }
        jobs.append(JobTimes(id: id, state: record.state, host: record.host, queued: queued.time,
                             assigned: events.first(where: { $0.kind == "assigned" })?.time,
                             finished: events.last(where: { $0.kind == "finished" })?.time,
                             assignments: events.filter { $0.kind == "assigned" }.count,
                             submittedOn: queued.message.range(of: "(submitted on ").map { String(queued.message[$0.upperBound...].prefix { $0 != ")" }) },
                             odd: odd.map { "\($0.kind): \($0.message)" }))
        if record.state != .passed { print("  job \(id) ended \(record.state.rawValue): \(record.reason ?? "")") }
    }
    var boardRuns = 0
    for hild in hilds {
        // Each host's own boards from that host: its registry, not a row another host wrote.
        boardRuns += try await hild.client.boards().filter { hild.shared == nil || $0.host == hild.shared?.host }.map(\.jobsRun).reduce(0, +)
    }
    return RunFigures(label: label, boards: boards, count: count, seconds: seconds, submitSeconds: submitSeconds, jobs: jobs,
                      hildCPU: hildCPU, serverCPU: serverCPU, clientCPU: clientCPU, boardRuns: boardRuns)
}

func claims(_ jobs: [JobTimes]) -> [Double] { jobs.compactMap { j in j.assigned.map { $0.timeIntervalSince(j.queued) } } }

/// CPU of idle hilds (boards attached, nothing queued) and of the server, in cores (1 = one core busy).
func idleCPU(_ hilds: [HildProcess], database: FarmDatabase?, seconds: Double = 3) async throws -> (text: String, hilds: [Double], server: Double) {
    let before = (hilds.map { CPUTime.of($0.process.processIdentifier) }, database?.serverCPU ?? 0)
    try await Task.sleep(for: .seconds(seconds))
    let each = zip(hilds, before.0).map { (CPUTime.of($0.process.processIdentifier) - $1) / seconds }
    let server = ((database?.serverCPU ?? 0) - before.1) / seconds
    let text = "idle, \(hilds.count == 1 ? "hild" : "each hild"): " + each.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: ", ") + " of a core"
        + (database != nil ? String(format: ", PostgreSQL %.0f%%", server * 100) : "")
    return (text, each, server)
}

func printRun(_ run: RunFigures, against one: RunFigures?) {
    var line = String(format: "%@: %d jobs in %.1f s = %.1f jobs/min", run.label, run.count, run.seconds, run.perMinute)
    if let one { line += String(format: "  (%.2f× one board; %d× is linear)", run.perMinute / one.perMinute, run.boards) }
    print(line + String(format: "; the submits took %.1f s", run.submitSeconds))
    let hild = run.hildCPU.reduce(0, +)
    let busy = (hild + run.serverCPU + run.clientCPU) / run.seconds / Double(ProcessInfo.processInfo.activeProcessorCount) * 100
    print(String(format: "    CPU a job: hild %.0f ms%@, PostgreSQL %.0f ms, this client %.0f ms; the %d cores %.0f%% busy",
                 hild * 1000 / Double(run.count),
                 run.hildCPU.count > 1 ? " (" + run.hildCPU.map { String(format: "%.0f", $0 * 1000 / Double(run.count)) }.joined(separator: " + ") + ")" : "",
                 run.serverCPU * 1000 / Double(run.count), run.clientCPU * 1000 / Double(run.count),
                 ProcessInfo.processInfo.activeProcessorCount, busy))
    if run.boards > 1 {
        let wave = claims(run.firstWave)
        print(String(format: "    claim latency, queued → assigned: p50 %.1f ms, p99 %.1f ms over all %d jobs; first wave (%d jobs that found a free board) p50 %.1f ms, p99 %.1f ms",
                     percentile(run.claims, 50) * 1000, percentile(run.claims, 99) * 1000, run.claims.count,
                     wave.count, percentile(wave, 50) * 1000, percentile(wave, 99) * 1000))
        if run.hildCPU.count > 1 {
            // A job claimed by another host than the one it was submitted to waited for a NOTIFY.
            let same = run.jobs.filter { $0.host == $0.submittedOn }, other = run.jobs.filter { $0.host != $0.submittedOn }
            let sameWave = run.firstWave.filter { $0.host == $0.submittedOn }, otherWave = run.firstWave.filter { $0.host != $0.submittedOn }
            print(String(format: "    claimed by the host it was submitted to: %d jobs, p50 %.1f ms, p99 %.1f ms (first wave %d: p50 %.1f, p99 %.1f ms); by another host: %d jobs, p50 %.1f ms, p99 %.1f ms (first wave %d: p50 %.1f, p99 %.1f ms)",
                         same.count, percentile(claims(same), 50) * 1000, percentile(claims(same), 99) * 1000,
                         sameWave.count, percentile(claims(sameWave), 50) * 1000, percentile(claims(sameWave), 99) * 1000,
                         other.count, percentile(claims(other), 50) * 1000, percentile(claims(other), 99) * 1000,
                         otherWave.count, percentile(claims(otherWave), 50) * 1000, percentile(claims(otherWave), 99) * 1000))
        }
    }
    // What a shared queue must never do, and what it may do but should not here (no faults injected).
    let hosts = Dictionary(grouping: run.jobs, by: { $0.host ?? "-" }).mapValues(\.count).sorted { $0.key < $1.key }
    if hosts.count > 1 { print("    jobs run by host: " + hosts.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
    let twice = run.jobs.filter { $0.assignments != 1 }
    let odd = run.jobs.filter { !$0.odd.isEmpty }
    if !twice.isEmpty || !odd.isEmpty || run.boardRuns != run.count {
        print("    ODD: \(twice.count) job(s) assigned other than once (\(twice.prefix(5).map { "\($0.id)×\($0.assignments)" }.joined(separator: ", "))), \(odd.count) with retry/lease/give-back events, boards ran \(run.boardRuns) jobs for \(run.count)")
        for j in odd.prefix(5) { print("      job \(j.id): \(j.odd.joined(separator: " | "))") }
    }
}

/// `requests` GETs of `path` from each of `clients` concurrent clients; latencies in seconds.
func load(_ client: HildClient, _ path: String, clients: Int, requests: Int) async throws -> (latencies: [Double], wall: Double) {
    let start = ContinuousClock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<clients {
            group.addTask {
                var mine: [Double] = []
                for _ in 0..<requests {
                    let t = ContinuousClock.now
                    let r = try await client.send(HildRequest(.GET, path))
                    guard r.isSuccess else { throw FarmFailure("GET \(path) answered \(r.status)") }
                    mine.append((ContinuousClock.now - t).seconds)
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await mine in group { all += mine }
        return all
    }
    return (latencies, (ContinuousClock.now - start).seconds)
}

func startFarm(_ database: FarmDatabase, hosts: Int, logs: URL, tag: String) throws -> (url: String, hilds: [HildProcess]) {
    let url = try database.cluster.freshDatabase()
    let hilds = try (0..<hosts).map { i in
        try HildProcess(boards: boardCount, shared: .init(store: url, host: "host\(i + 1)", mockFirst: 1 + boardCount * i,
                                                          log: logs.appendingPathComponent("\(tag)-host\(i + 1).log")))
    }
    return (url, hilds)
}

func farmBenchmark() async throws {
    let database = FarmDatabase(cluster: try PostgresCluster.running())
    let logs = FileManager.default.temporaryDirectory.appendingPathComponent("bench-benchmark-farm-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    let version = (try? database.psql(database.cluster.url(database: "postgres"), "SHOW server_version")) ?? "?"
    print("bench-benchmark --farm: host-harness mock boards, \(jobsPerBoard) jobs per board, \(samplesPerJob) samples per job at 921600 baud; \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("PostgreSQL \(version) on a Unix socket (the test cluster: fsync off), every hild on this machine; hild logs (notice) in \(logs.path)")

    // SQLite, one hild: the single-host mode's figures, through the same code as the rest.
    var runs: [RunFigures] = []
    for boards in [1, boardCount] {
        let hild = try HildProcess(boards: boards)
        runs.append(try await farmRun("SQLite, 1 hild × \(boards) board(s)", hilds: [hild], boardsPerHost: boards, submission: .throughFirst, database: nil))
        let idle = boards > 1 ? try await idleCPU([hild], database: nil) : nil
        hild.stop()
        printRun(runs.last!, against: boards == 1 ? nil : runs[0])
        if let idle { print("    " + idle.text) }
    }
    // PostgreSQL, one hild; a fresh database each so GET /v1/boards lists only this run's boards.
    var onePG: RunFigures?
    for boards in [1, boardCount] {
        let url = try database.cluster.freshDatabase()
        let hild = try HildProcess(boards: boards, shared: .init(store: url, host: "solo\(boards)", mockFirst: 1,
                                                                 log: logs.appendingPathComponent("pg-1x\(boards).log")))
        let run = try await farmRun("PostgreSQL, 1 hild × \(boards) board(s)", hilds: [hild], boardsPerHost: boards, submission: .throughFirst, database: database)
        let idle = boards > 1 ? try await idleCPU([hild], database: database) : nil
        hild.stop()
        if boards == 1 { onePG = run }
        printRun(run, against: boards == 1 ? nil : onePG)
        if let idle { print("    " + idle.text) }
        runs.append(run)
    }
    // Three hilds on one database: first all jobs through host1, then spread; the spread run's
    // hilds and database stay for the API figures.
    do {
        let (_, hilds) = try startFarm(database, hosts: 3, logs: logs, tag: "pg-3x16-one")
        let run = try await farmRun("PostgreSQL, 3 hilds × \(boardCount) boards, submitted through host1", hilds: hilds, boardsPerHost: boardCount,
                                    submission: .throughFirst, database: database)
        for hild in hilds { hild.stop() }
        printRun(run, against: onePG)
    }
    let (url, hilds) = try startFarm(database, hosts: 3, logs: logs, tag: "pg-3x16-spread")
    let spread = try await farmRun("PostgreSQL, 3 hilds × \(boardCount) boards, submitted spread (a client on each host)", hilds: hilds,
                                   boardsPerHost: boardCount, submission: .spread, database: database)
    printRun(spread, against: onePG)
    let idle = try await idleCPU(hilds, database: database)
    print("    " + idle.text + " (the mock boards' own idle cost is in this; SQLite's idle line above is the same boards without a shared store)")

    // STORED finished jobs, copies of one that passed (with its events, so event_seq matches the
    // log's last seq), inserted by SQL: through the API this would take minutes. New ids come
    // from the identity column; the copies hold no lease. Reports and sample results are not
    // copied: listing jobs does not read them.
    guard let source = spread.jobs.last(where: { $0.state == .passed })?.id else { throw FarmFailure("no job passed to copy") }
    let fillStart = ContinuousClock.now
    try database.psql(url, """
        BEGIN;
        WITH copies AS (
            INSERT INTO job (spec, priority, state, reason, failure_kind, attempts, board, failed_boards, submitted_at, started_at,
                             finished_at, progress, summary, checks, interruptions, host, owner_host, lease_generation, lease_expires,
                             cancel_requested, event_seq)
            SELECT spec, priority, state, reason, failure_kind, attempts, board, failed_boards, submitted_at, started_at,
                   finished_at, progress, summary, checks, interruptions, host, NULL, lease_generation, NULL, false, event_seq
            FROM job, generate_series(1, \(storedJobs)) WHERE id = \(source)
            RETURNING id)
        INSERT INTO job_event (job_id, seq, time, kind, message, board, progress, state)
        SELECT copies.id, e.seq, e.time, e.kind, e.message, e.board, e.progress, e.state FROM copies, job_event e WHERE e.job_id = \(source);
        COMMIT;
        -- What autovacuum would do shortly after: planner statistics for the grown tables.
        ANALYZE job;
        ANALYZE job_event;
        """)
    let fillSeconds = (ContinuousClock.now - fillStart).seconds
    let sizes = try database.psql(url, """
        SELECT count(*) || ' jobs, ' || pg_size_pretty(pg_total_relation_size('job')) || ' job table, '
            || (SELECT count(*) FROM job_event) || ' events, ' || pg_size_pretty(pg_total_relation_size('job_event')) || ' event table'
        FROM job
        """)
    print(String(format: "stored %d copies of job %lld by SQL in %.1f s: %@", storedJobs, source, fillSeconds, sizes))

    let clients = 8, requestsPerClient = 200
    let api = hilds[0]
    for (name, path) in [("GET /v1/boards (48 boards, 3 hosts)", "/v1/boards"), ("GET /v1/jobs (default: 100 newest)", "/v1/jobs")] {
        // One client alone first: the cost of a request without waiting behind others.
        let alone = try await load(api.client, path, clients: 1, requests: 100)
        let before = (hilds.map { CPUTime.of($0.process.processIdentifier) }, database.serverCPU, CPUTime.of(getpid()))
        let loaded = try await load(api.client, path, clients: clients, requests: requestsPerClient)
        let n = Double(clients * requestsPerClient)
        // Above each process's idle rate (mock boards cost CPU while idle): what the requests cost.
        let hildCPU = zip(zip(hilds, before.0), idle.hilds).map { pair, rate in
            CPUTime.of(pair.0.process.processIdentifier) - pair.1 - rate * loaded.wall
        }
        let serverCPU = database.serverCPU - before.1 - idle.server * loaded.wall
        print(String(format: "%@, %d stored jobs, via host1: %d clients × %d requests: p50 %.2f ms, p99 %.2f ms, %.0f requests/s; one client alone p50 %.2f ms, p99 %.2f ms",
                     name, storedJobs + spread.count, clients, requestsPerClient,
                     percentile(loaded.latencies, 50) * 1000, percentile(loaded.latencies, 99) * 1000, n / loaded.wall,
                     percentile(alone.latencies, 50) * 1000, percentile(alone.latencies, 99) * 1000))
        print(String(format: "    CPU a request under load, above idle: host1's hild %.2f ms, PostgreSQL %.2f ms, the other hilds %.2f ms; this client %.2f ms",
                     hildCPU[0] * 1000 / n, serverCPU * 1000 / n,
                     hildCPU.dropFirst().reduce(0, +) * 1000 / n, (CPUTime.of(getpid()) - before.2) * 1000 / n))
    }

    // Where a list request's time goes: the query on the server alone, and this process decoding
    // and re-encoding the same 100 records (about what hild does per request: it decodes each row's
    // JSON columns and encodes the answer).
    // Twice in one session, the second printed: hild's connection is long-lived, so its catalog
    // caches are warm and planning is cheaper than in a fresh psql backend.
    let explain = "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM job ORDER BY id DESC LIMIT 100;"
    let plans = try database.psql(url, "\\o /dev/null\n" + explain + "\n\\o\n" + explain)
    print("EXPLAIN ANALYZE of hild's list query (SELECT * FROM job ORDER BY id DESC LIMIT 100), the second in one session:")
    for line in plans.split(separator: "\n") { print("    " + line) }
    let body = try await api.client.send(HildRequest(.GET, "/v1/jobs")).body
    let decoder = APIJSON.decoder(), encoder = APIJSON.encoder()
    let records = try decoder.decode([JobRecord].self, from: body)
    // The JSON columns of each row as the store holds them (APIJSON text): hild decodes these five
    // per row (PostgresStore.jobRecord) before it encodes the answer.
    let columns = try records.map { r in
        (try encoder.encode(r.spec), try encoder.encode(r.failedBoards), try r.progress.map { try encoder.encode($0) },
         try r.summary.map { try encoder.encode($0) }, try encoder.encode(r.checks))
    }
    let dates = records.flatMap { [$0.submittedAt, $0.startedAt, $0.finishedAt].compactMap { $0 } }
    func timed(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<20 {
            let t = ContinuousClock.now
            try body()
            times.append((ContinuousClock.now - t).seconds)
        }
        return percentile(times, 50) * 1000
    }
    let rowDecode = try timed {
        for c in columns {
            _ = try decoder.decode(JobSpec.self, from: c.0)
            _ = try decoder.decode([String].self, from: c.1)
            if let p = c.2 { _ = try decoder.decode(JobProgress.self, from: p) }
            if let s = c.3 { _ = try decoder.decode(JobSummary.self, from: s) }
            _ = try decoder.decode([ThresholdCheck].self, from: c.4)
        }
    }
    let answerEncode = try timed { _ = try encoder.encode(records) }
    let dateFormat = timed {
        for d in dates { _ = d.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)) }
    }
    let plainEncode = try timed { _ = try JSONEncoder().encode(records) }
    let answerDecode = try timed { _ = try decoder.decode([JobRecord].self, from: body) }
    print(String(format: "the /v1/jobs answer is %d bytes for 100 jobs. The same work in this process (p50 of 20): decoding the rows' 5 JSON columns %.2f ms; encoding the answer with APIJSON %.2f ms, of which formatting its %d dates %.2f ms (a plain JSONEncoder: %.2f ms); a client decoding it %.2f ms",
                 body.count, rowDecode, answerEncode, dates.count, dateFormat, plainEncode, answerDecode))

    // A long queue: each hild reloads its queue mirror (up to 2,000 queued jobs, every row decoded)
    // whenever it hears that a job was queued anywhere. Submits of jobs for a tag no board has
    // (they stay queued), first with the queue as it is, then with 2,000 more queued jobs inserted
    // by SQL. CPU a submit has the hilds' idle rate (measured above) taken off.
    let parked = try await exampleSpec(api.client, selector: BoardSelector(tag: "parked"))
    let firstParked = try await api.client.submit(parked).id
    for extra in [0, 2_000] {
        if extra > 0 {
            try database.psql(url, """
                INSERT INTO job (spec, priority, state, submitted_at)
                SELECT spec, priority, 'queued', submitted_at FROM job, generate_series(1, \(extra)) WHERE id = \(firstParked);
                SELECT pg_notify('hil_queue', '0');
                """)
            try await Task.sleep(for: .seconds(3))  // every hild has reloaded its mirror once
        }
        let queuedNow = try database.psql(url, "SELECT count(*) FROM job WHERE state = 'queued'")
        let submits = 30
        let before = (hilds.map { CPUTime.of($0.process.processIdentifier) }, database.serverCPU)
        let start = ContinuousClock.now
        var latencies: [Double] = []
        for _ in 0..<submits {
            let t = ContinuousClock.now
            _ = try await api.client.submit(parked)
            latencies.append((ContinuousClock.now - t).seconds)
        }
        try await Task.sleep(for: .seconds(1))  // the other hosts' reaction to the last NOTIFY
        let window = (ContinuousClock.now - start).seconds
        let perSubmit = zip(zip(hilds, before.0), idle.hilds).map { pair, rate in
            (CPUTime.of(pair.0.process.processIdentifier) - pair.1 - rate * window) * 1000 / Double(submits)
        }
        let server = (database.serverCPU - before.1 - idle.server * window) * 1000 / Double(submits)
        print(String(format: "%d submits through host1, one at a time, %@ jobs queued: p50 %.1f ms, p99 %.1f ms; CPU a submit above idle: %@, PostgreSQL %.1f ms",
                     submits, queuedNow, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000,
                     perSubmit.enumerated().map { String(format: "host%d %.1f ms", $0.offset + 1, $0.element) }.joined(separator: ", "), server))
    }

    for (i, hild) in hilds.enumerated() {
        let m = hild.memory()
        print(String(format: "host%d hild resident memory: %.1f MiB (peak %.1f MiB)", i + 1, Double(m.rss) / 1024, Double(m.peak) / 1024))
    }
    for hild in hilds { hild.stop() }

    // hild's own word on the runs: every error and warning line of every log.
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []).sorted()
    for file in files {
        let text = (try? String(contentsOfFile: logs.appendingPathComponent(file).path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n")
        let flagged = lines.filter { $0.range(of: "error", options: .caseInsensitive) != nil || $0.range(of: "warning", options: .caseInsensitive) != nil }
        print("log \(file): \(lines.count) lines, \(flagged.count) with error/warning")
        for line in flagged.prefix(5) { print("    " + line.prefix(300)) }
    }
}
