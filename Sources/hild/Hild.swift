import ArgumentParser
import Foundation
import Bench
import Deployer
import HildHTTP
import HildStore
import HilAPI
import Logging
import MockBoard
import ServiceLifecycle
#if canImport(Glibc)
// mallopt(3) is in <malloc.h>, which Swift's Glibc module does not export. M_ARENA_MAX is -8 in
// glibc's ABI.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcMArenaMax: Int32 = -8
#endif

/// hild: the bench daemon. Runs in the foreground (systemd, a terminal, a CI job), logs to
/// stderr, stops gracefully on SIGTERM or SIGINT: the API closes, running jobs are stopped at
/// the next sample and requeued, the store is left consistent.
@main
struct Hild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hild",
        abstract: "The hil bench daemon: discovers boards, queues and runs evaluation jobs, serves the API.",
        discussion: "Settings come from --config (JSON, see docs/hild.md), then these flags. hilctl finds the daemon through HILD_SOCKET or --host.")

    @Option(help: ArgumentHelp("A JSON config file (docs/hild.md).", valueName: "FILE")) var config: String?
    @Option(help: ArgumentHelp("The API's Unix socket (default: $HILD_SOCKET, else $XDG_RUNTIME_DIR/hil/hild.sock, else /tmp/hil-UID/hild.sock).", valueName: "PATH"))
    var socket: String?
    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where the store and artifacts live.", valueName: "DIR")) var stateDirectory: String?
    @Option(help: "Run N mock boards (emulated ST-LINK/V2-1 + STM32F746G-DISCO).") var mock: Int?
    @Option(name: .customLong("mock-core"), help: ArgumentHelp("What runs on the mock boards: emulated (the flashed firmware on an emulated Cortex-M7; default) or host-harness (the harness compiled for this host: faster, runs no firmware).", valueName: "KIND"))
    var mockCore: String?
    @Option(help: "Run N QEMU boards (the harness firmware in qemu-system-arm).") var qemu: Int?
    @Flag(name: .customLong("no-udev"), help: "Do not watch udev for ST-LINK probes.") var noUdev = false
    @Option(help: ArgumentHelp("Also listen on TCP (HOST:PORT); needs --token-file.", valueName: "HOST:PORT")) var tcp: String?
    @Option(name: .customLong("token-file"), help: ArgumentHelp("The bearer token TCP clients must send (first line of FILE).", valueName: "FILE"))
    var tokenFile: String?
    @Option(help: ArgumentHelp("The boards/ folder.", valueName: "DIR")) var boards: String?
    @Option(help: ArgumentHelp("Share one queue with other hilds in this PostgreSQL database (docs/farm.md); default: this hild's own SQLite store.", valueName: "postgres://…"))
    var store: String?
    @Option(name: .customLong("host-name"), help: ArgumentHelp("This hild's name in a shared store (default: the machine's host name).", valueName: "NAME"))
    var hostName: String?
    @Option(name: .customLong("lease-seconds"), help: ArgumentHelp("How long this host's jobs stay held without a renewal before other hosts requeue them (default 30).", valueName: "S"))
    var leaseSeconds: Double?
    @Option(name: .customLong("mock-first"), help: ArgumentHelp("The number of the first mock board, so hilds sharing a store have distinct mock ids (default 1).", valueName: "N"))
    var mockFirst: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        #if canImport(Glibc)
        // glibc gives each thread that allocates under contention an arena of its own (up to 8 per
        // core) and keeps what is freed in it: after 50 concurrent API clients hild held ~22 MB more
        // than with two arenas (docs/reliability.md, load). MALLOC_ARENA_MAX still overrides.
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { _ = glibcMallopt(glibcMArenaMax, 2) }
        #endif
        let logger = Logger(label: "hild")
        var settings = try loadSettings()
        if settings.socket.isEmpty { settings.socket = DefaultSocket.path() }

        let catalog: BoardCatalog
        do {
            catalog = try settings.boardsDirectory.map { try BoardCatalog(directory: URL(fileURLWithPath: $0)) } ?? BoardCatalog.locate()
        } catch { throw ValidationError("cannot load the board definitions: \(error)") }
        let store: any JobStore
        do {
            let directory = URL(fileURLWithPath: settings.stateDirectory)
            if let url = settings.store {
                store = try PostgresStore(url: url, host: settings.hostName ?? ProcessInfo.processInfo.hostName,
                                          directory: directory, artifactLimitBytes: settings.artifactLimitMB << 20)
            } else {
                store = try BenchStore(directory: directory, artifactLimitBytes: settings.artifactLimitMB << 20)
            }
        } catch { throw ValidationError("\(error)") }
        let bench = try Bench(configuration: settings, catalog: catalog, store: store, logger: logger)

        var api = APIServerConfiguration(unixSocketPath: settings.socket)
        api.maxUploadBytes = settings.artifactLimitMB << 20
        if let tcp = settings.tcp, let address = TCPAddress(tcp) {
            api.tcp = .init(host: address.host, port: address.port)
            api.bearerToken = try readToken(settings.tokenFile)
        }
        logger.info("hild \(Bench.version): store \(store.location)\(store.sharedHost.map { " as host \($0), lease \(settings.leaseSeconds) s" } ?? ""), socket \(settings.socket)\(settings.tcp.map { ", tcp \($0)" } ?? ""), \(settings.mockBoards) mock (\(settings.mockCore.rawValue)), \(settings.qemuBoards) QEMU board(s), udev \(settings.udev ? "on" : "off")")
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: BenchRunner(bench: bench)), .init(service: APIServer(service: bench, configuration: api, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    private func loadSettings() throws -> BenchConfiguration {
        var settings = BenchConfiguration()
        if let config {
            do { settings = try BenchConfiguration.load(path: config) } catch { throw ValidationError(error.description) }
        }
        if let socket { settings.socket = socket }
        if let stateDirectory { settings.stateDirectory = stateDirectory }
        if let mock { settings.mockBoards = mock }
        if let mockCore {
            guard let kind = MockCoreKind(rawValue: mockCore) else {
                throw ValidationError("--mock-core '\(mockCore)' is not one of \(MockCoreKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            settings.mockCore = kind
        }
        if let qemu { settings.qemuBoards = qemu }
        if noUdev { settings.udev = false }
        if let tcp { settings.tcp = tcp }
        if let tokenFile { settings.tokenFile = tokenFile }
        if let boards { settings.boardsDirectory = boards }
        if let store { settings.store = store }
        if let hostName { settings.hostName = hostName }
        if let leaseSeconds { settings.leaseSeconds = leaseSeconds }
        if let mockFirst { settings.mockFirst = mockFirst }
        do { try settings.validate(source: config ?? "the command line") } catch { throw ValidationError(error.description) }
        return settings
    }

    private func readToken(_ path: String?) throws -> String {
        guard let path else { throw ValidationError("--tcp needs --token-file") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let token = text.split(whereSeparator: \.isNewline).first.map(String.init), token.count >= 16 else {
            throw ValidationError("cannot read a token of at least 16 characters from \(path); write one there (e.g. openssl rand -hex 32 > \(path); chmod 600 \(path))")
        }
        return token
    }
}

/// The bench's scheduling loop as a service: graceful shutdown cancels it, and it requeues what runs.
struct BenchRunner: Service {
    let bench: Bench
    func run() async throws {
        await cancelWhenGracefulShutdown {
            await bench.run()
        }
    }
}
