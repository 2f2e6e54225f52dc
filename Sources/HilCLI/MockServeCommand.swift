import ArgumentParser
import Foundation
import Deployer
import MockBoard
import USBIP

/// `hilctl mock`: mock boards for tools other than hil's own.
struct MockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock", abstract: "Run mock boards for other tools.", subcommands: [MockServeCommand.self])
}

/// `hilctl mock serve`: mock STM32F746G-DISCO boards exported over USB/IP (usbipd's protocol),
/// each an ST-LINK/V2-1 with its VCP, until SIGINT or SIGTERM (docs/usbip.md).
struct MockServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Export mock boards over USB/IP until SIGINT/SIGTERM.",
        discussion: "Each board appears to `usbip list -r HOST` as an ST-LINK/V2-1 (0483:374B) with its virtual COM port. Use it from hil with --probe usbip://HOST:PORT/BUSID, or attach it on a Linux host with the vhci-hcd module: usbip attach -r HOST -b BUSID.")

    @Option(help: "How many mock boards to export (1 to 64).") var boards = 1
    @Option(help: "The TCP port (usbipd's is 3240; 0 picks a free one).") var port = USBIPOp.defaultPort
    @Option(help: ArgumentHelp("The address to listen on. Loopback by default: anyone who reaches the port can drive the boards.", valueName: "ADDRESS"))
    var host = "127.0.0.1"
    @Option(help: "Connections served at once; more are closed unanswered.") var maxClients = 8
    @Option(help: ArgumentHelp("The board each mock board is (boards/<name>.json).", valueName: "BOARD")) var board = "stm32f746g-disco"
    @Option(name: .customLong("mock-core"), help: ArgumentHelp("What runs on each: emulated (what is flashed, on an emulated Cortex-M7; default) or host-harness (the harness compiled for this host).", valueName: "KIND"))
    var core = MockCoreKind.emulated.rawValue
    @Option(name: .customLong("boards-dir"), help: ArgumentHelp("The boards/ folder (default: $HIL_BOARDS, ./boards, or next to hilctl).", valueName: "DIR"))
    var boardsDirectory: String?
    @Flag(help: "Print the exported boards as JSON.") var json = false

    func validate() throws {
        guard (1...64).contains(boards) else { throw ValidationError("--boards must be between 1 and 64, not \(boards)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        guard maxClients >= 1 else { throw ValidationError("--max-clients must be at least 1") }
    }

    struct Export: Codable { let busid: String; let serial: String; let url: String; let vcp: String }

    func run() throws {
        let catalog = try boardsDirectory.map { try BoardCatalog(directory: URL(fileURLWithPath: $0)) } ?? BoardCatalog.locate()
        let definition = try catalog.board(named: board)
        let server: MockUSBIPServer
        do {
            server = try MockUSBIPServer(description: MockUSBIPServer.stlinkV21(boardsDirectory: catalog.directory),
                                         options: .init(host: host, port: port, maxClients: maxClients), log: { note($0) })
        } catch let error as SocketError {
            note("error: \(error); choose another --port (or stop the usbipd that holds it)")
            throw ExitCode(ExitStatus.infrastructure)
        }
        guard let kind = MockCoreKind(rawValue: core) else {
            throw ValidationError("--mock-core '\(core)' is not one of \(MockCoreKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var mocks: [MockBoard] = []
        var exports: [Export] = []
        for n in 1...boards {
            let serial = EmulatedProbeConfig.mockSerial(n)
            let mock = MockBoard(chip: catalog.chip(for: definition), probe: .v2_1(serial: serial), hseHz: definition.hseHz)
            let pty = try mock.attach(kind, uart: MockUARTConfig(board: definition))
            let busid = server.export(mock, serialPath: pty)
            mocks.append(mock)
            exports.append(Export(busid: busid, serial: serial,
                                  url: USBIPAddress(host: host, port: server.port, busid: busid).description, vcp: pty))
        }
        server.start()
        if json {
            try printJSON(exports)
        } else {
            for e in exports { print("\(e.url)  \(e.serial)  (its VCP is also the local pty \(e.vcp))") }
            let portOption = server.port == USBIPOp.defaultPort ? "" : " --tcp-port \(server.port)"
            print("attach one on a Linux host with vhci-hcd: sudo modprobe vhci-hcd && sudo usbip\(portOption) attach -r \(host) -b \(exports[0].busid)")
        }
        fflush(nil)         // a pipe reading the addresses must see them now, not at exit
        note("serving \(boards) mock board(s) on \(host):\(server.port); SIGINT or SIGTERM stops")
        waitForTermination()
        server.stop()
        for m in mocks { m.detachSerial() }
        note("stopped")
    }
}

/// Blocks until SIGINT or SIGTERM arrives (handled, not fatal, so the server can close cleanly).
func waitForTermination() {
    let done = DispatchSemaphore(value: 0)
    let sources = [SIGINT, SIGTERM].map { signalNumber -> DispatchSourceSignal in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { done.signal() }
        source.resume()
        return source
    }
    done.wait()
    for s in sources { s.cancel() }
}
