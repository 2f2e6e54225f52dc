import Foundation
import USBIP
import MockBoard

/// hild's settings: a JSON file (`hild --config FILE`, see docs/hild.md), each field optional with
/// the default below; command-line flags override the file.
public struct BenchConfiguration: Codable, Sendable, Equatable {
    /// Where the store (hild.sqlite) and artifacts live.
    public var stateDirectory: String
    /// The API's Unix socket (mode 0660).
    public var socket: String
    /// An optional TCP listener, `HOST:PORT`; needs `tokenFile`.
    public var tcp: String?
    /// A file whose first line is the bearer token TCP clients must send.
    public var tokenFile: String?
    /// The boards/ folder (board and chip definitions); found next to the executable or the
    /// working directory when nil.
    public var boardsDirectory: String?
    /// Mock boards to run: emulated ST-LINK/V2-1 + STM32F746G-DISCO, serials 4D4F434B0746F7D15C000001… ("MOCK" in hex, then the number)
    public var mockBoards: Int
    /// What runs on the mock boards: the flashed firmware on an emulated core (the default), or
    /// the harness compiled for this host (`host-harness`: fast, proves nothing about the firmware).
    public var mockCore: MockCoreKind
    /// Faults built into mock boards, by board number (1 is serial …000001): the reliability
    /// suite's fault matrix (docs/reliability.md). Set in code only; a configuration file cannot.
    public var mockFaults: [Int: MockBoardFaults] = [:]
    /// QEMU boards to run (qemu-system-arm, machine `qemuMachine`).
    public var qemuBoards: Int
    public var qemuMachine: String
    /// Watch udev for ST-LINK probes and their ttys.
    public var udev: Bool
    /// Tags per board id (probe serial or qemu-N), for job selectors.
    public var tags: [String: [String]]
    /// Largest artifact accepted (models, images, dataset archives), in MiB.
    public var artifactLimitMB: Int
    /// Attempts a job gets in all when the bench fails under it (flash error, unplug, no hello).
    public var maxAttempts: Int
    /// Infrastructure failures in a row after which a board is quarantined.
    public var quarantineAfter: Int
    /// Probes exported over USB/IP by other hosts (`usbip://HOST[:PORT]/BUSID`): registered like
    /// local ones under the id HOST:PORT:BUSID, reconnected every `usbipRetrySeconds` while away.
    public var usbipProbes: [String]
    public var usbipRetrySeconds: Double
    /// The health check queued when a board is quarantined: a model and a test set on disk (nil:
    /// none is queued and a quarantined board waits for one submitted by hand).
    public var healthCheck: HealthCheck?
    /// The shared store of a bench of several hosts (`postgres://…` or `postgresql://…`, libpq's
    /// URI form); nil: this hild's own SQLite store in `stateDirectory` (docs/farm.md).
    public var store: String?
    /// This hild's name in a shared store (boards and jobs show it); the machine's host name when nil.
    public var hostName: String?
    /// How long a claimed job and this host's boards stay held without a renewal: after a crash,
    /// power cut or partition, other hosts requeue its jobs once this has passed. Renewed every third.
    public var leaseSeconds: Double
    /// The number of the first mock board (its serial's last digits), so the mock boards of hilds
    /// sharing a store have distinct ids.
    public var mockFirst: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case stateDirectory = "state_directory", socket, tcp, tokenFile = "token_file"
        case boardsDirectory = "boards_directory", mockBoards = "mock_boards", mockCore = "mock_core", qemuBoards = "qemu_boards"
        case qemuMachine = "qemu_machine", udev, tags, artifactLimitMB = "artifact_limit_mb"
        case maxAttempts = "max_attempts", quarantineAfter = "quarantine_after", healthCheck = "health_check"
        case usbipProbes = "usbip_probes", usbipRetrySeconds = "usbip_retry_seconds"
        case store, hostName = "host_name", leaseSeconds = "lease_seconds", mockFirst = "mock_first"
    }

    public struct HealthCheck: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey, CaseIterable { case model, dataset, limit, minTop1 = "min_top1" }
        public var model: String
        public var dataset: String
        public var limit: Int?
        public var minTop1: Double?
        public init(model: String, dataset: String, limit: Int? = 20, minTop1: Double? = nil) {
            self.model = model; self.dataset = dataset; self.limit = limit; self.minTop1 = minTop1
        }
    }

    public init(stateDirectory: String = BenchConfiguration.defaultStateDirectory(), socket: String = "",
                tcp: String? = nil, tokenFile: String? = nil, boardsDirectory: String? = nil,
                mockBoards: Int = 0, mockCore: MockCoreKind = .emulated, qemuBoards: Int = 0, qemuMachine: String = "qemu-mps2-an500",
                udev: Bool = true, tags: [String: [String]] = [:], artifactLimitMB: Int = 512,
                maxAttempts: Int = 3, quarantineAfter: Int = 3, healthCheck: HealthCheck? = nil,
                usbipProbes: [String] = [], usbipRetrySeconds: Double = 10,
                store: String? = nil, hostName: String? = nil, leaseSeconds: Double = 30, mockFirst: Int = 1) {
        self.stateDirectory = stateDirectory; self.socket = socket; self.tcp = tcp; self.tokenFile = tokenFile
        self.boardsDirectory = boardsDirectory; self.mockBoards = mockBoards; self.mockCore = mockCore; self.qemuBoards = qemuBoards
        self.qemuMachine = qemuMachine; self.udev = udev; self.tags = tags; self.artifactLimitMB = artifactLimitMB
        self.maxAttempts = maxAttempts; self.quarantineAfter = quarantineAfter; self.healthCheck = healthCheck
        self.usbipProbes = usbipProbes; self.usbipRetrySeconds = usbipRetrySeconds
        self.store = store; self.hostName = hostName; self.leaseSeconds = leaseSeconds; self.mockFirst = mockFirst
    }

    public init(from decoder: any Decoder) throws {
        let d = BenchConfiguration()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stateDirectory = try c.decodeIfPresent(String.self, forKey: .stateDirectory) ?? d.stateDirectory
        socket = try c.decodeIfPresent(String.self, forKey: .socket) ?? d.socket
        tcp = try c.decodeIfPresent(String.self, forKey: .tcp)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        boardsDirectory = try c.decodeIfPresent(String.self, forKey: .boardsDirectory)
        mockBoards = try c.decodeIfPresent(Int.self, forKey: .mockBoards) ?? d.mockBoards
        if let name = try c.decodeIfPresent(String.self, forKey: .mockCore) {
            guard let kind = MockCoreKind(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .mockCore, in: c, debugDescription: "mock_core '\(name)' is not one of \(MockCoreKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mockCore = kind
        } else {
            mockCore = d.mockCore
        }
        qemuBoards = try c.decodeIfPresent(Int.self, forKey: .qemuBoards) ?? d.qemuBoards
        qemuMachine = try c.decodeIfPresent(String.self, forKey: .qemuMachine) ?? d.qemuMachine
        udev = try c.decodeIfPresent(Bool.self, forKey: .udev) ?? d.udev
        tags = try c.decodeIfPresent([String: [String]].self, forKey: .tags) ?? [:]
        artifactLimitMB = try c.decodeIfPresent(Int.self, forKey: .artifactLimitMB) ?? d.artifactLimitMB
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? d.maxAttempts
        quarantineAfter = try c.decodeIfPresent(Int.self, forKey: .quarantineAfter) ?? d.quarantineAfter
        healthCheck = try c.decodeIfPresent(HealthCheck.self, forKey: .healthCheck)
        usbipProbes = try c.decodeIfPresent([String].self, forKey: .usbipProbes) ?? []
        usbipRetrySeconds = try c.decodeIfPresent(Double.self, forKey: .usbipRetrySeconds) ?? d.usbipRetrySeconds
        store = try c.decodeIfPresent(String.self, forKey: .store)
        hostName = try c.decodeIfPresent(String.self, forKey: .hostName)
        leaseSeconds = try c.decodeIfPresent(Double.self, forKey: .leaseSeconds) ?? d.leaseSeconds
        mockFirst = try c.decodeIfPresent(Int.self, forKey: .mockFirst) ?? d.mockFirst
    }

    /// Reads a config file; every problem names the file, the field and what to write instead.
    public static func load(path: String) throws(ConfigurationError) -> BenchConfiguration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigurationError(message: "cannot read the config file \(path): \(error.localizedDescription)")
        }
        // A misspelt key would otherwise be ignored silently and its default used.
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw ConfigurationError(message: "the config file \(path) has an unknown key '\(unknown)'; known keys: \(known.sorted().joined(separator: ", "))")
            }
            if let check = object["health_check"] as? [String: Any] {
                let knownCheck = Set(HealthCheck.CodingKeys.allCases.map(\.rawValue))
                if let unknown = check.keys.sorted().first(where: { !knownCheck.contains($0) }) {
                    throw ConfigurationError(message: "the config file \(path) has an unknown key 'health_check.\(unknown)'; known: \(knownCheck.sorted().joined(separator: ", "))")
                }
            }
        }
        let decoder = JSONDecoder()
        let config: BenchConfiguration
        do { config = try decoder.decode(BenchConfiguration.self, from: data) } catch let error as DecodingError {
            throw ConfigurationError(message: "the config file \(path) is not valid: \(describe(error))")
        } catch {
            throw ConfigurationError(message: "the config file \(path) is not valid: \(error)")
        }
        try config.validate(source: path)
        return config
    }

    public func validate(source: String = "the configuration") throws(ConfigurationError) {
        func fail(_ s: String) -> ConfigurationError { ConfigurationError(message: "\(source): \(s)") }
        if mockBoards < 0 || mockBoards > 64 { throw fail("mock_boards must be between 0 and 64, not \(mockBoards)") }
        if qemuBoards < 0 || qemuBoards > 16 { throw fail("qemu_boards must be between 0 and 16, not \(qemuBoards)") }
        if maxAttempts < 1 { throw fail("max_attempts must be at least 1 (1 means no retry), not \(maxAttempts)") }
        if quarantineAfter < 1 { throw fail("quarantine_after must be at least 1, not \(quarantineAfter)") }
        if artifactLimitMB < 1 { throw fail("artifact_limit_mb must be at least 1, not \(artifactLimitMB)") }
        var seen: Set<USBIPAddress> = []
        for text in usbipProbes {
            let address: USBIPAddress
            do { address = try USBIPAddress(parsing: text) } catch { throw fail("usbip_probes: \(error.description)") }
            guard seen.insert(address).inserted else { throw fail("usbip_probes names \(address) twice; list each remote probe once") }
        }
        if !(0.1...3600).contains(usbipRetrySeconds) {
            throw fail("usbip_retry_seconds must be between 0.1 and 3600, not \(usbipRetrySeconds)")
        }
        if let store, !(store.hasPrefix("postgres://") || store.hasPrefix("postgresql://")) {
            throw fail("store '\(store)' is not a PostgreSQL URL (postgres://USER@HOST/DB or postgresql:///DB?host=/run/postgresql); leave it out for this hild's own SQLite store")
        }
        if let hostName, hostName.isEmpty || hostName.count > 64 || hostName.contains(where: { $0.isWhitespace || $0 == "/" }) {
            throw fail("host_name '\(hostName)' must be 1 to 64 characters without spaces or '/'")
        }
        if !(3...3600).contains(leaseSeconds) {
            throw fail("lease_seconds must be between 3 and 3600, not \(leaseSeconds)")
        }
        if mockFirst < 1 || mockFirst + mockBoards > 0xFFFFFF {
            throw fail("mock_first must be at least 1 (and leave room for mock_boards), not \(mockFirst)")
        }
        if let tcp {
            guard TCPAddress(tcp) != nil else { throw fail("tcp '\(tcp)' is not HOST:PORT (e.g. 127.0.0.1:8740)") }
            guard tokenFile != nil else { throw fail("tcp is set but token_file is not: TCP clients must authenticate; write a token to a file readable only by hild and name it in token_file") }
        }
    }

    /// `$XDG_STATE_HOME/hil/hild`, else `~/.local/state/hil/hild`; the systemd unit uses /var/lib/hild.
    public static func defaultStateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let s = environment["XDG_STATE_HOME"], !s.isEmpty { return s + "/hil/hild" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/hil/hild"
    }
}

public struct TCPAddress: Sendable, Equatable {
    public var host: String
    public var port: Int
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { return nil }
        self.port = port
    }
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : "'" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
    }
    switch error {
    case let .typeMismatch(type, ctx): return "\(path(ctx.codingPath)) should be \(type)"
    case let .valueNotFound(type, ctx): return "\(path(ctx.codingPath)) should be \(type), not null"
    case let .keyNotFound(key, ctx): return "\(path(ctx.codingPath + [key])) is missing"
    case let .dataCorrupted(ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
}
