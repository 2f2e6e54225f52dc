import Deployer
import Foundation
import HilAPI

/// A report as JUnit XML, the format GitLab, Jenkins and the GitHub test-report actions read:
/// one test suite per run, one test case per threshold, one for device/host agreement, and an
/// error case when the job itself did not finish. The figures ride along as suite properties so a
/// CI system can chart them.
struct JUnitReport {
    let report: EvaluationReport
    let job: JobRecord?

    /// One `<testcase>`: its outcome is nil (passed), a failure (a result the run reached but
    /// should not have) or an error (the run did not get that far).
    private struct Case {
        enum Outcome { case failure, error }
        var name: String
        var outcome: Outcome?
        var type = ""
        var message = ""
        var detail = ""
    }

    private func x(_ s: String) -> String { ReportEscaping.xml(s) }

    func render() -> String {
        let cases = testCases()
        let failures = cases.filter { $0.outcome == .failure }.count
        let errors = cases.filter { $0.outcome == .error }.count
        let seconds = report.throughput.seconds.isFinite ? max(0, report.throughput.seconds) : 0
        let time = String(format: "%.3f", seconds)
        let suite = "hil: \(report.model.name) on \(report.board.name)"
        let counts = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\" time=\"\(time)\""
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                   "<testsuites name=\"hil\" \(counts)>"]
        var suiteAttributes = "name=\"\(x(suite))\" \(counts) hostname=\"\(x(report.board.name))\""
        if let started = job?.startedAt {
            // Jenkins wants the timestamp without a zone designator; UTC is implied.
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            suiteAttributes += " timestamp=\"\(f.string(from: started))\""
        }
        out.append("  <testsuite \(suiteAttributes)>")
        out.append("    <properties>")
        for (name, value) in properties() {
            out.append("      <property name=\"\(x(name))\" value=\"\(x(value))\"/>")
        }
        out.append("    </properties>")
        let classname = x("hil.\(report.model.name)")
        for c in cases {
            // The run's time belongs to the suite; the checks themselves take none.
            let open = "    <testcase classname=\"\(classname)\" name=\"\(x(c.name))\" time=\"0\""
            guard let outcome = c.outcome else { out.append(open + "/>"); continue }
            let tag = outcome == .failure ? "failure" : "error"
            out.append(open + ">")
            out.append("      <\(tag) message=\"\(x(c.message))\" type=\"\(x(c.type))\">\(x(c.detail))</\(tag)>")
            out.append("    </testcase>")
        }
        out.append("  </testsuite>")
        out.append("</testsuites>")
        return out.joined(separator: "\n") + "\n"
    }

    private func testCases() -> [Case] {
        var cases: [Case] = []
        if let job, job.state == .errored || job.state == .cancelled {
            let reason = job.reason ?? "the job was \(job.state.rawValue)"
            cases.append(Case(name: "run", outcome: .error, type: job.state.rawValue, message: reason,
                              detail: ThresholdWording.verdict(job)))
        }
        for check in job?.checks ?? [] {
            let text = ThresholdWording.describe(check, report: report)
            cases.append(Case(name: "threshold \(check.name)", outcome: check.passed ? nil : .failure,
                              type: "threshold", message: text, detail: text))
        }
        // A failed job whose checks all passed was refused for its input: say so rather than
        // letting the suite come out green.
        if let job, job.state == .failed, !job.checks.contains(where: { !$0.passed }) {
            let reason = job.reason ?? "the job failed"
            cases.append(Case(name: "run", outcome: .failure, type: job.failureKind ?? "failed", message: reason, detail: reason))
        }
        cases.append(agreementCase())
        return cases
    }

    private func agreementCase() -> Case {
        let g = report.agreement
        var c = Case(name: "device equals host reference")
        guard !g.mismatches.isEmpty else { return c }
        c.outcome = .failure
        c.type = "agreement"
        c.message = "\(g.total - g.agree) of \(g.total) samples: the device's prediction differs from the host reference"
        var lines = g.mismatches.prefix(10).map { "#\($0.index) \($0.source): device \($0.device), host \($0.host)" }
        if g.mismatches.count > 10 { lines.append("… and \(g.mismatches.count - 10) more") }
        c.detail = lines.joined(separator: "\n")
        return c
    }

    /// The figures, with their units in the names, as plain numbers a chart plugin can parse.
    private func properties() -> [(String, String)] {
        let r = report, f = r.footprint
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "nan" }
        var p: [(String, String)] = [
            ("model", r.model.name), ("model_sha256", r.model.sha256),
            ("board", r.board.name), ("board_kind", r.board.kind), ("dataset", r.dataset),
            ("samples", "\(r.accuracy.total)"), ("top1", num(r.accuracy.top1)),
        ]
        if let core = r.board.core { p.append(("board_core", core)) }
        if let t5 = r.accuracy.top5 { p.append(("top5", num(t5))) }
        p.append(("agreement_rate", num(r.agreement.rate)))
        p.append(("timer", r.latency?.timer ?? r.board.timer))
        p.append(("timer_kind", r.latency?.timerKind ?? r.board.timerKind))
        if let l = r.latency {
            p += [("latency_p50_ms", num(l.microseconds.median / 1000)), ("latency_p90_ms", num(l.microseconds.p90 / 1000)),
                  ("latency_p99_ms", num(l.microseconds.p99 / 1000)), ("latency_p50_cycles", num(l.cycles.median)),
                  ("latency_p99_cycles", num(l.cycles.p99))]
        }
        p += [("throughput_samples_per_s", num(r.throughput.samplesPerSecond)), ("run_seconds", num(r.throughput.seconds)),
              ("parameters", "\(r.model.parameters)"), ("macs", "\(r.model.macs)"),
              ("model_bytes", "\(f.modelBytes)"), ("arena_bytes", "\(f.arenaBytes)"),
              ("board_flash_bytes", "\(f.boardFlashBytes)"), ("board_ram_bytes", "\(f.boardRAMBytes)")]
        if let profile = r.profile {
            p.append(("profiled_inputs", "\(profile.profiledInputs)"))
            for l in profile.layers {
                p += [("layer_\(l.index)_op", l.op), ("layer_\(l.index)_cycles", "\(l.cycles)"), ("layer_\(l.index)_share", num(l.share))]
            }
            if let a = profile.memory?.arenaPeakBytes { p.append(("arena_peak_bytes", "\(a)")) }
            if let s = profile.memory?.stackPeakBytes { p.append(("stack_peak_bytes", "\(s)")) }
        }
        if let job { p += [("job_id", "\(job.id)"), ("job_state", job.state.rawValue)] }
        return p
    }
}
