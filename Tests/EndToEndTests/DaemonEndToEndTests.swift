import Foundation
import Testing
import HilAPI

/// hild and hilctl as users run them: separate processes, a Unix socket, a state directory.
@Suite("hild and hilctl end to end", .serialized)
struct DaemonEndToEndTests {
    static let model = Products.root.appendingPathComponent("examples/shapes/shapes.hilm").path
    static let dataset = Products.root.appendingPathComponent("examples/shapes/holdout").path

    static func job(_ d: Daemon, _ id: Int64) throws -> JobRecord {
        let r = try d.hilctl(["show", "\(id)", "--json"])
        guard r.status == 0 else { throw Failure("hilctl show \(id) exited \(r.status): \(r.stderr)") }
        return try APIJSON.decoder().decode(JobRecord.self, from: Data(r.stdout.utf8))
    }

    /// `slow`: stay at the boot rate (115200 baud, about 3.7 samples a second) so the test can act
    /// on the running job however loaded the machine is.
    static func submit(_ d: Daemon, limit: Int, slow: Bool = false, extra: [String] = []) throws -> Int64 {
        let r = try d.hilctl(["submit", "--model", model, "--dataset", dataset, "--limit", "\(limit)"] + (slow ? [] : ["--baud", "921600"]) + extra)
        guard r.status == 0, let id = Int64(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure("hilctl submit exited \(r.status): \(r.stdout) \(r.stderr)")
        }
        return id
    }

    static func waitFor(_ what: String, seconds: Double = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure("timed out waiting for \(what)")
    }

    @Test("hilctl submit --wait follows the job over the Unix socket and exits with its verdict")
    func submitWait() throws {
        let d = Daemon()
        try d.start(["--mock", "2"])
        try d.waitReady()
        let passed = try d.hilctl(["submit", "--model", Self.model, "--dataset", Self.dataset, "--limit", "12",
                                   "--baud", "921600", "--min-agreement", "1", "--name", "e2e", "--wait"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(passed.stdout.contains("passed"), "\(passed.stdout)")
        #expect(passed.stderr.contains("12/12") || passed.stderr.contains("streaming"), "progress on stderr: \(passed.stderr)")

        // A threshold the run cannot meet: the verdict is "failed" and the exit code 1.
        let failed = try d.hilctl(["submit", "--model", Self.model, "--dataset", Self.dataset, "--limit", "6",
                                   "--max-p50-ms", "0.001", "--wait", "--json"])
        #expect(failed.status == 1, "\(failed.stderr)")
        let record = try APIJSON.decoder().decode(JobRecord.self, from: Data(failed.stdout.utf8))
        #expect(record.state == .failed)
        #expect(record.checks.first?.passed == false)

        // The report of the first job, as JUnit XML and JSON.
        let jobs = try d.hilctl(["jobs", "--json"])
        let list = try APIJSON.decoder().decode([JobRecord].self, from: Data(jobs.stdout.utf8))
        let first = try #require(list.first { $0.spec.name == "e2e" })
        let junit = try d.hilctl(["report", "\(first.id)", "--format", "junit"])
        #expect(junit.status == 0)
        #expect(junit.stdout.contains("<testsuite"))
        let json = try d.hilctl(["report", "\(first.id)", "--format", "json"])
        #expect(json.stdout.contains("\"schema_version\" : 2") || json.stdout.contains("\"schema_version\":2"))
        let boards = try d.hilctl(["boards"])
        #expect(boards.stdout.contains("4D4F434B0746F7D15C000001"))
        d.kill(SIGTERM)
    }

    @Test("hild killed with SIGKILL mid-job restarts and recovers every job")
    func sigkillRecovery() throws {
        let d = Daemon()
        try d.start(["--mock", "1"])
        try d.waitReady()
        let long = try Self.submit(d, limit: 40, slow: true)
        let queued = try Self.submit(d, limit: 4)
        try Self.waitFor("the first job streaming") { (try Self.job(d, long).progress?.done ?? 0) > 3 }
        d.kill(SIGKILL)

        try d.start(["--mock", "1"])
        try d.waitReady()
        try Self.waitFor("both jobs finished", seconds: 240) {
            try Self.job(d, long).state.isFinal && Self.job(d, queued).state.isFinal
        }
        let a = try Self.job(d, long), b = try Self.job(d, queued)
        #expect(a.state == .passed, "\(a.reason ?? "")")
        #expect(a.attempts == 2)
        #expect(a.summary?.samples == 40)
        #expect(b.state == .passed)
        let logs = try d.hilctl(["logs", "\(long)"])
        #expect(logs.stdout.contains("retry"), "\(logs.stdout)")
        d.kill(SIGTERM)
    }

    @Test("SIGTERM stops hild gracefully and requeues the running job")
    func sigtermRequeues() throws {
        let d = Daemon()
        try d.start(["--mock", "1"])
        try d.waitReady()
        let job = try Self.submit(d, limit: 40, slow: true)
        try Self.waitFor("the job streaming") { (try Self.job(d, job).progress?.done ?? 0) > 3 }
        d.kill(SIGTERM)
        #expect(d.process?.terminationStatus == 0, "\(d.logText)")
        try d.start(["--mock", "1"])
        try d.waitReady()
        try Self.waitFor("the job finished", seconds: 240) { try Self.job(d, job).state.isFinal }
        let record = try Self.job(d, job)
        #expect(record.state == .passed)
        #expect(record.attempts == 1, "a graceful stop is not charged as an attempt")
        d.kill(SIGTERM)
    }

    @Test("a daemon that is not running is an infrastructure error with a clear message")
    func unreachable() throws {
        let d = Daemon()
        try FileManager.default.createDirectory(at: d.state, withIntermediateDirectories: true)
        let r = try d.hilctl(["boards"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("cannot reach hild"))
        #expect(r.stderr.contains(d.socket))
    }
}
