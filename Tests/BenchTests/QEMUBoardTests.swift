import Foundation
import Testing
@testable import Bench
import HilAPI

/// The daemon runs QEMU boards as it runs mock boards: the harness firmware's own machine code in
/// qemu-system-arm, a fresh machine per job, cycles labelled "emulated".
@Suite("QEMU boards in the bench", .serialized, .timeLimit(.minutes(5)))
struct QEMUBoardBenchTests {
    static let tools = ["qemu-system-arm", "arm-none-eabi-gcc"]
    static var missing: String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return tools.first { t in !paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(t)") } }
    }

    @Test("a job on a QEMU board passes with every device prediction equal to the host's")
    func qemuJob() async throws {
        if let missing = Self.missing {
            // CI installs both (.ci/run); only a developer machine without them skips.
            print("skipped: \(missing) is not installed (apt-get install qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi)")
            return
        }
        let f = try BenchFixture(mockBoards: 0, qemuBoards: 1)
        defer { Task { await f.stop() } }
        try await f.until("the QEMU board idle") { await f.board("qemu-1")?.state == .idle }
        var spec = try await f.spec(limit: 6, selector: BoardSelector(kind: .qemu))
        spec.options.baud = nil
        spec.thresholds.minAgreement = 1
        let job = try await f.bench.submit(spec)
        let done = try await f.finished(job.id, within: 300)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.board == "qemu-1")
        #expect(done.summary?.timerKind == "emulated")
        #expect(done.summary?.agreement == 1)
        #expect(await f.board("qemu-1")?.state == .idle)
        await f.stop()
    }
}
