import ArgumentParser
import Foundation
import Deployer
import QEMUBoard

/// `hilctl run --qemu`: the harness firmware built for QEMU's mps2-an500 (a Cortex-M7), loaded over
/// QEMU's GDB stub, its UART on a pty. The very C code that runs on the board, executed as machine
/// code; cycles come from SysTick under -icount and are labelled "emulated".
public struct QEMURun {
    public let catalog: BoardCatalog
    public let machineName: String
    public let harnessPath: String?
    /// Told the machine once QEMU runs (tests use it to kill QEMU mid-job).
    public var onStarted: (QEMUMachine) -> Void = { _ in }

    public init(catalog: BoardCatalog, machineName: String, harnessPath: String?) {
        self.catalog = catalog
        self.machineName = machineName
        self.harnessPath = harnessPath
    }

    public func run(_ request: RunRequest, json: Bool) throws -> EvaluationReport {
        let machine = try QEMUMachineDescription.load(boardsDirectory: catalog.directory, name: machineName)
        let runner = EvaluationRunner(catalog: catalog)
        let harness = try HarnessFirmware.image(target: machine.name, given: harnessPath, catalog: catalog,
                                                base: machine.firmware.harnessRegion.base.value, note: { note($0) })
        let prepared = try runner.prepare(request, target: machine.harnessTarget, harness: harness)
        note("model \(prepared.model.summary.name): \(prepared.model.summary.parameters) parameters, \(prepared.model.summary.macs) MACs; dataset \(prepared.dataset.samples.count) samples")
        var config = QEMUConfig()
        config.machine = machine.machine
        let qemu: QEMUMachine
        do { qemu = try QEMUMachine(config: config) } catch { throw RunError.board(error) }
        defer { qemu.terminate() }
        note("QEMU \(machine.machine) started: serial \(qemu.serialPath), GDB stub on port \(qemu.gdbPort)")
        onStarted(qemu)
        let line = RunProgressLine()
        do {
            let report = try runner.run(
                prepared, boardKind: "qemu",
                deploy: { image throws(RunError) in
                    do {
                        try qemu.load(image.segments.map { (address: $0.address, bytes: $0.bytes) },
                                      vectorTable: machine.firmware.harnessRegion.base.value)
                    } catch { throw RunError.board(error) }
                },
                openSerial: { rate in try SerialPort(path: qemu.serialPath, baud: rate) },
                progress: line.update, note: { note($0) })
            line.finish()
            return report
        } catch {
            line.finish()
            // A QEMU that died is the bench's failure, whatever the protocol layer made of the silence.
            // Its pty hangs up before the watchdog has reaped it, so give the exit a moment to show.
            for _ in 0..<50 where qemu.isRunning { Thread.sleep(forTimeInterval: 0.02) }
            if !qemu.isRunning { throw RunError.board(QEMUDied(detail: "\(error)")) }
            throw error
        }
    }
}

struct QEMUDied: Error, CustomStringConvertible {
    let detail: String
    var description: String { "the QEMU board exited during the run (\(detail)); this is the bench's failure, not the model's: run again" }
}
