import Foundation
import Deployer
import HilAPI
import QEMUBoard

/// A QEMU board: the harness firmware built for a Cortex-M7 machine, in qemu-system-arm. Each job
/// gets a fresh QEMU (no state leaks between jobs), loaded over its GDB stub, its UART on a pty;
/// the machine is supervised for the length of the run and a QEMU that dies is the bench's failure.
public final class QEMUBenchBoard: BenchBoard, @unchecked Sendable {
    public let id: String
    public let machine: QEMUMachineDescription
    public var kind: BoardKind { .qemu }
    public var boardType: String { machine.name }
    public var probeSerial: String? { nil }
    public var probeModel: String? { "GDB stub" }
    private let lock = NSLock()
    private var currentSerial: String?
    public var serialPort: String? { lock.withLock { currentSerial } }

    public init(number: Int, machine: QEMUMachineDescription) {
        id = "qemu-\(number)"
        self.machine = machine
    }

    public func evaluate(_ run: JobRun, catalog: BoardCatalog, hooks: RunHooks) throws(RunError) -> EvaluationReport {
        let runner = EvaluationRunner(catalog: catalog)
        let harness = try HarnessFirmware.image(target: machine.name, given: run.harnessPath, catalog: catalog,
                                                base: machine.firmware.harnessRegion.base.value, note: hooks.note)
        let prepared = try runner.prepare(run.request, target: machine.harnessTarget, harness: harness)
        var config = QEMUConfig()
        config.machine = machine.machine
        hooks.phase("flashing")
        let qemu: QEMUMachine
        do { qemu = try QEMUMachine(config: config) } catch { throw RunError.board(error) }
        lock.withLock { currentSerial = qemu.serialPath }
        defer {
            qemu.terminate()
            lock.withLock { currentSerial = nil }
        }
        hooks.note("QEMU \(machine.machine) started (pid \(qemu.pid)): serial \(qemu.serialPath), GDB stub on port \(qemu.gdbPort)")
        let vectorTable = machine.firmware.harnessRegion.base.value
        do {
            return try runner.run(
                prepared, boardKind: BoardKind.qemu.rawValue,
                deploy: { image throws(RunError) in
                    do { try qemu.load(image.segments.map { (address: $0.address, bytes: $0.bytes) }, vectorTable: vectorTable) }
                    catch { throw RunError.board(error) }
                    hooks.phase("hello")
                },
                openSerial: { rate in try SerialPort(path: qemu.serialPath, baud: rate) },
                progress: { p in hooks.phase("streaming"); hooks.progress(p) },
                note: hooks.note, shouldStop: hooks.shouldStop)
        } catch {
            if case .cancelled = error { throw error }
            // A QEMU that died is the bench's failure, whatever the protocol layer made of the
            // silence; its pty hangs up before the exit is reaped, so give that a moment.
            for _ in 0..<50 where qemu.isRunning { Thread.sleep(forTimeInterval: 0.02) }
            if !qemu.isRunning {
                throw RunError.board(QEMUExited(detail: "\(error)", stderr: qemu.stderrTail))
            }
            throw error
        }
    }
}

struct QEMUExited: Error, CustomStringConvertible {
    let detail: String
    let stderr: String
    var description: String {
        "the QEMU board exited during the run (\(detail))" + (stderr.isEmpty ? "" : "; QEMU said: \(stderr)")
            + "; this is the bench's failure, not the model's"
    }
}

extension QEMUBenchBoard {
    /// Why QEMU boards cannot run here, or nil when qemu-system-arm is on the PATH.
    static func missingTool(_ executable: String = "qemu-system-arm") -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        if paths.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(executable)") }) { return nil }
        return "\(executable) is not installed: apt-get install qemu-system-arm (scripts/setup does)"
    }
}
