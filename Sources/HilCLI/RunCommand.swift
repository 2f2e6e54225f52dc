import ArgumentParser
import Foundation
import Deployer
import MockBoard
import STLink

/// `hilctl run`: deploy a model with the harness, stream a test set through the board, report
/// accuracy and on-device latency. Local: no daemon.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Evaluate a model on a board (or a mock board): accuracy, latency, throughput.")

    @Option(help: ArgumentHelp("The exported int8 model (.hilm, docs/model-format.md).", valueName: "MODEL"))
    var model: String
    @Option(help: ArgumentHelp("The test set: an image folder (one subfolder per class), a flat <class>_test.jpg folder, or .npy arrays.", valueName: "PATH"))
    var dataset: String
    @Option(help: ArgumentHelp("A file mapping dataset class names to model labels (JSON or name=label lines).", valueName: "FILE"))
    var labelMap: String?
    /// The option's old name, which hil-export's one-label-per-line --labels shares but not its format.
    @Option(name: .customLong("labels"), help: .hidden) var oldLabelMap: String?
    @Option(help: "Evaluate only the first N samples (classes interleaved).") var limit: Int?
    @Option(help: "Switch the line to this baud rate after the board says hello (default: stay at the board's boot rate).")
    var baud: Int?
    @Option(help: ArgumentHelp("The board (boards/<name>.json).", valueName: "BOARD")) var board = "stm32f746g-disco"
    @Option(help: ArgumentHelp("The harness firmware image (ELF/HEX/BIN) to pack the model into (default: out/firmware/<board>/harness.elf, built by `make -C boards/firmware` when missing). The mock board runs it too, on its emulated core (with --mock-core host-harness it needs none).", valueName: "IMAGE"))
    var harness: String?
    @Option(help: ArgumentHelp("The board's serial port; found from the probe's serial when omitted.", valueName: "TTY"))
    var port: String?
    @Option(help: ArgumentHelp("How the model reads 8-bit pixels: unit (p/255), centered (p/127.5-1) or raw. Default: the range the model records (unit, assumed, for a model exported before it recorded one); one that contradicts the model is refused.", valueName: "RANGE"))
    var pixels: String?
    @Option(help: ArgumentHelp("Inputs profiled layer by layer (the first of the set's order; 0 for none): the report's layer table.", valueName: "N"))
    var profile = RunRequest.defaultProfile
    @OptionGroup var probe: ProbeOptions
    @Flag(help: "Run on a QEMU board: the harness firmware built for mps2-an500 (a Cortex-M7) in qemu-system-arm, loaded over its GDB stub.")
    var qemu = false
    @Option(help: ArgumentHelp("The QEMU machine (boards/qemu/*.json) for --qemu.", valueName: "NAME"))
    var machine = "qemu-mps2-an500"
    @Flag(help: "Evaluate on this machine only: the board's C runtime on the host, latency estimated by the Cortex-M7 cost model for --board. For a model that does not fit the board, or accuracy without hardware.")
    var hostOnly = false
    @Flag(help: "Print the report as JSON (schema_version 2).") var json = false

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be a positive number of samples") }
        if !(0...1000).contains(profile) { throw ValidationError("--profile must be between 0 and 1000 inputs") }
        if let baud, !SerialPort.rates.contains(baud) {
            throw ValidationError("--baud \(baud) is not a rate this system can set; choose one of \(SerialPort.rates.map(String.init).joined(separator: ", "))")
        }
        try LabelMapOption.validate(labelMap, old: oldLabelMap)
        if let pixels, PixelRange(name: pixels) == nil { throw ValidationError("--pixels '\(pixels)' is not one of unit, centered, raw") }
        if qemu && probe.mock { throw ValidationError("choose one of --mock and --qemu") }
        if hostOnly && (qemu || probe.mock || probe.serial != nil) {
            throw ValidationError("--host-only uses no board: leave out --mock, --qemu and --probe")
        }
    }

    var pixelRange: PixelRange? { pixels.flatMap(PixelRange.init(name:)) }

    func run() throws {
        let catalog = try probe.catalog()
        var request = RunRequest(modelPath: model, datasetPath: dataset)
        request.labelMapPath = LabelMapOption.path(labelMap, old: oldLabelMap)
        request.limit = limit
        request.baud = baud
        request.board = board
        request.pixelRange = pixelRange
        request.profile = profile
        let runner = EvaluationRunner(catalog: catalog)
        if hostOnly {
            let line = RunProgressLine()
            do {
                let report = try HostRun(catalog: catalog).run(request, progress: line.update, note: { note($0) })
                line.finish()
                print(json ? try report.json() : ReportRenderer.text(report))
            } catch let error as RunError {
                line.finish()
                note("error: \(error)")
                throw ExitCode(error.isInfrastructure ? ExitStatus.infrastructure : ExitStatus.refused)
            }
            return
        }
        if qemu {
            do {
                let report = try QEMURun(catalog: catalog, machineName: machine, harnessPath: harness).run(request, json: json)
                print(json ? try report.json() : ReportRenderer.text(report))
            } catch let error as RunError {
                note("error: \(error)")
                throw ExitCode(error.isInfrastructure ? ExitStatus.infrastructure : ExitStatus.refused)
            }
            return
        }

        do {
            // Every board gets the harness firmware, a mock one too (its emulated core runs it),
            // unless the mock is asked to answer with the harness compiled for this host.
            let target = try catalog.board(named: board)
            let remote = try probe.openRemote()        // --probe usbip://…
            let isMock = probe.mock || remote?.device.isHilMockBoard == true
            let core: BoardCore = probe.mock ? (probe.mockCore == .hostHarness ? .hostHarness : .emulatedSTM32(target.part))
                : isMock ? .remoteMock(chip: target.part) : .silicon
            let harnessImage = core == .hostHarness && harness == nil ? nil
                : try HarnessFirmware.image(target: target.name, given: harness, catalog: catalog,
                                            base: target.firmware.harnessRegion.base.value, note: { note($0) })
            let prepared = try runner.prepare(request, harness: harnessImage)
            note("model \(prepared.model.summary.name): \(prepared.model.summary.parameters) parameters, \(prepared.model.summary.macs) MACs; dataset \(prepared.dataset.samples.count) samples")
            let board = try catalog.board(named: self.board)
            if let hint = EvaluationRunner.slowLineHint(samples: prepared.dataset.samples.count,
                                                        inputBytes: prepared.model.summary.inputBytes,
                                                        bootBaud: board.harness.bootBaud, maxBaud: board.harness.maxBaud,
                                                        chosenBaud: baud) {
                note(hint)
            }
            var mock: PersistentMockBoard?
            let transport: any USBTransport
            let openSerial: (Int) throws -> any SerialConnection
            if probe.mock {
                let m = try PersistentMockBoard(chip: catalog.chip(for: board), stateFile: probe.mockFlash, hseHz: board.hseHz)
                let path = try m.board.attach(probe.mockCore, uart: MockUARTConfig(board: board))
                mock = m
                transport = m.transport
                openSerial = { rate in try SerialPort(path: path, baud: rate) }
            } else if let remote {
                transport = remote
                openSerial = { rate in try USBIPSerialPort(device: remote.device, baud: rate) }
            } else {
                let usb = try LibUSBProbes.open(serial: probe.serial)
                transport = usb
                let serial = usb.identity.serial
                let path = port ?? VCPFinder.port(forProbeSerial: serial)
                openSerial = { rate in
                    guard let path else { throw SerialError.cannotOpen(path: "the virtual COM port of \(serial)", reason: "no /dev/ttyACM* belongs to that probe; give it with --port") }
                    return try SerialPort(path: path, baud: rate)
                }
            }
            let bar = ProgressBar(virtualClock: probe.mock)
            let line = RunProgressLine()
            var flashRequest = request.flash
            flashRequest.board = board.name
            let deploy = runner.flashing(through: transport, flashRequest, progress: bar.update, note: { bar.finish(); note($0) })
            let report = try runner.run(prepared, boardKind: isMock ? "mock" : "usb", core: core, deploy: deploy,
                                        openSerial: openSerial, diagnose: runner.diagnosing(through: transport),
                                        progress: line.update, note: { bar.finish(); note($0) })
            line.finish()
            try mock?.save()
            print(json ? try report.json() : ReportRenderer.text(report))
        } catch let error as RunError {
            note("error: \(error)")
            throw ExitCode(error.isInfrastructure ? ExitStatus.infrastructure : ExitStatus.refused)
        } catch let error as ProbeOpenError {
            note("error: \(error)")
            throw ExitCode(ExitStatus.infrastructure)
        }
    }
}

/// "137/500 samples  41.3/s  accuracy 88.3 %  ETA 8 s" on stderr, redrawn on a terminal, every
/// tenth of the run in a log.
final class RunProgressLine {
    private let interactive = isatty(FileHandle.standardError.fileDescriptor) == 1
    private var lastShown = -1
    private var lastDraw = ContinuousClock.now

    func update(_ p: RunProgress) {
        let text = String(format: "%d/%d samples  %.1f/s  accuracy %.1f %%  ETA %@",
                          p.done, p.total, p.samplesPerSecond, p.accuracy * 100,
                          p.remaining.map { String(format: "%.0f s", $0.seconds) } ?? "?")
        if interactive {
            guard ContinuousClock.now - lastDraw > .milliseconds(100) || p.done == p.total else { return }
            lastDraw = ContinuousClock.now
            FileHandle.standardError.write(Data(("\r" + text + "   ").utf8))
        } else {
            let decile = p.total > 0 ? p.done * 10 / p.total : 10
            guard decile != lastShown else { return }
            lastShown = decile
            note(text)
        }
    }

    func finish() { if interactive { FileHandle.standardError.write(Data("\n".utf8)) } }
}
