import Foundation
import Testing
import Deployer
import QEMUBoard
@testable import HilCLI

/// The harness firmware's own machine code on a QEMU board: built with arm-none-eabi-gcc, loaded
/// over QEMU's GDB stub, streamed to over its UART's pty.
@Suite(.serialized) struct QEMUBoardRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Why the QEMU board cannot run here, or nil when it can (CI installs both tools).
    static var missingTool: String? {
        for tool in ["qemu-system-arm", "arm-none-eabi-gcc", "make"] {
            let found = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
            if !found { return "\(tool) is not installed (scripts/setup installs it); skipping the QEMU board" }
        }
        return nil
    }

    func request(limit: Int) -> RunRequest {
        var r = RunRequest(modelPath: Self.root.appendingPathComponent("examples/shapes/shapes.hilm").path,
                           datasetPath: Self.root.appendingPathComponent("examples/shapes/holdout").path)
        r.limit = limit
        return r
    }

    func qemuRun() throws -> QEMURun {
        QEMURun(catalog: try BoardCatalog(directory: Self.root.appendingPathComponent("boards")),
                machineName: "qemu-mps2-an500", harnessPath: nil)
    }

    @Test func anEvaluationOnTheQEMUBoardGivesTheHostsPredictionForEverySample() throws {
        if let missing = Self.missingTool { print(missing); return }
        let report = try qemuRun().run(request(limit: 12), json: true)
        #expect(report.accuracy.total == 12)
        #expect(report.agreement.agree == 12, "device/host mismatches: \(report.agreement.mismatches)")
        #expect(report.board.kind == "qemu")
        #expect(report.board.timerKind == "emulated")
        #expect(report.samples.allSatisfy { $0.cycles > 0 })
    }

    @Test func aQEMUThatDiesMidJobIsTheBenchsFailureNotALostResult() throws {
        if let missing = Self.missingTool { print(missing); return }
        var run = try qemuRun()
        run.onStarted = { machine in
            let pid = machine.pid
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 1.5)
                kill(pid, SIGKILL)
            }
        }
        do {
            _ = try run.run(request(limit: 120), json: true)
            Issue.record("the run reported success although its QEMU was killed")
        } catch let error as RunError {
            #expect(error.isInfrastructure)
            #expect(error.description.contains("QEMU"), "\(error)")
        }
    }
}
