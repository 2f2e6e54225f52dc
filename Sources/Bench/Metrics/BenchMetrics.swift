import HilAPI

/// What /metrics shows: jobs by state, boards by state, and the durations that matter on a bench
/// (flash, per-inference latency on the device, submit-to-flash scheduling latency, whole jobs).
struct BenchMetrics: Sendable {
    private var finished: [JobState: Int] = [:]
    private var retries = 0
    private var flash = Histogram(bounds: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120])
    private var scheduling = Histogram(bounds: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300])
    private var job = Histogram(bounds: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600])
    /// Per timer kind: a measured latency and an estimated one never share a series.
    private var inference: [String: Histogram] = [:]
    private static let inferenceBounds = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]

    mutating func jobFinished(_ state: JobState, seconds: Double?) {
        finished[state, default: 0] += 1
        if let seconds { job.observe(seconds) }
    }
    mutating func retried() { retries += 1 }
    mutating func flashed(seconds: Double) { flash.observe(seconds) }
    mutating func scheduled(seconds: Double) { scheduling.observe(seconds) }
    mutating func inferences(seconds: [Double], timerKind: String) {
        var h = inference[timerKind] ?? Histogram(bounds: Self.inferenceBounds)
        for s in seconds { h.observe(s) }
        inference[timerKind] = h
    }

    func render(jobs: [JobState: Int], boards: [BoardInfo]) -> String {
        var out: [String] = []
        func header(_ name: String, _ type: String, _ help: String) {
            out.append("# HELP \(name) \(help)")
            out.append("# TYPE \(name) \(type)")
        }
        header("hil_jobs", "gauge", "Jobs in the store by state.")
        for s in JobState.allCases { out.append("hil_jobs{state=\"\(s.rawValue)\"} \(jobs[s] ?? 0)") }
        header("hil_jobs_finished_total", "counter", "Jobs that reached a final state since hild started.")
        for s in JobState.allCases where s.isFinal { out.append("hil_jobs_finished_total{state=\"\(s.rawValue)\"} \(finished[s] ?? 0)") }
        header("hil_job_retries_total", "counter", "Attempts started again after an infrastructure failure.")
        out.append("hil_job_retries_total \(retries)")
        header("hil_boards", "gauge", "Boards by state.")
        for s in BoardState.allCases { out.append("hil_boards{state=\"\(s.rawValue)\"} \(boards.filter { $0.state == s }.count)") }
        header("hil_board_state", "gauge", "One series per board: 1 for its current state.")
        for b in boards {
            out.append("hil_board_state{board=\"\(PrometheusText.escape(b.id))\",kind=\"\(b.kind.rawValue)\",type=\"\(PrometheusText.escape(b.boardType))\",state=\"\(b.state.rawValue)\"} 1")
        }
        header("hil_board_infrastructure_failures", "gauge", "Infrastructure failures in a row per board.")
        for b in boards { out.append("hil_board_infrastructure_failures{board=\"\(PrometheusText.escape(b.id))\"} \(b.consecutiveInfraFailures)") }
        header("hil_flash_duration_seconds", "histogram", "Deploy time per attempt: flashing (or loading QEMU) until the harness is asked for hello.")
        out += flash.lines("hil_flash_duration_seconds")
        header("hil_inference_duration_seconds", "histogram", "On-device latency per inference, by how the timer counts (measured, emulated, estimated).")
        for (kind, h) in inference.sorted(by: { $0.key < $1.key }) {
            out += h.lines("hil_inference_duration_seconds", labels: "timer_kind=\"\(PrometheusText.escape(kind))\"")
        }
        header("hil_scheduling_latency_seconds", "histogram", "From submit (or requeue) to the start of flashing.")
        out += scheduling.lines("hil_scheduling_latency_seconds")
        header("hil_job_duration_seconds", "histogram", "From start to a final state, per job.")
        out += job.lines("hil_job_duration_seconds")
        return out.joined(separator: "\n") + "\n"
    }
}
