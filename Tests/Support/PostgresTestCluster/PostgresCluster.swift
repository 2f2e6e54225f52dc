import Foundation

/// A throwaway PostgreSQL server (Debian's `postgresql` package) in a temp dir, listening only on
/// a Unix socket there; one per test process, a fresh database per test, stopped when the process
/// exits. initdb refuses to run as root, so as root the server runs as the `postgres` user.
/// Shared by the store's tests and the bench's (a library target: a test target cannot import another).
public final class PostgresCluster: @unchecked Sendable {
    public let directory: URL
    public let socketDirectory: String
    public let port = 5400 + Int(getpid() % 500)
    private let bin: URL
    private let asRoot = geteuid() == 0

    nonisolated(unsafe) static var shared: PostgresCluster?
    static let lock = NSLock()

    /// Where Debian's server binaries are; nil when PostgreSQL is not installed.
    public static var binaries: URL? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted().last,
              FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb") else { return nil }
        return URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
    }
    public static var isInstalled: Bool { binaries != nil }
    public static let notInstalled = "PostgreSQL is not installed (apt-get install postgresql); the shared-store tests need a server"

    /// The cluster of this test process, started on first use.
    public static func running() throws -> PostgresCluster {
        try lock.withLock {
            if let shared { return shared }
            let cluster = try PostgresCluster()
            shared = cluster
            atexit { PostgresCluster.shared?.stop() }
            return cluster
        }
    }

    private init() throws {
        guard let bin = Self.binaries else {
            throw NSError(domain: "PostgresCluster", code: 1, userInfo: [NSLocalizedDescriptionKey: Self.notInstalled])
        }
        self.bin = bin
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hil-pg-\(UUID().uuidString.prefix(8))")
        socketDirectory = directory.path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if asRoot { try run("/bin/chown", ["postgres:postgres", directory.path], asPostgres: false) }
        let data = directory.appendingPathComponent("data").path
        try run(bin.appendingPathComponent("initdb").path, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try run(bin.appendingPathComponent("pg_ctl").path,
                ["-D", data, "-w", "-l", directory.appendingPathComponent("server.log").path,
                 "-o", "-k \(socketDirectory) -c listen_addresses= -p \(port) -c fsync=off", "start"])
    }

    /// A URL for a new, empty database.
    public func freshDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try run(bin.appendingPathComponent("createdb").path,
                ["-h", socketDirectory, "-p", String(port), "-U", "postgres", name], asPostgres: false)
        return url(database: name)
    }

    public func url(database: String) -> String { "postgresql:///\(database)?host=\(socketDirectory)&port=\(port)&user=postgres" }

    /// Stops the server at once (as a power cut would) and removes its files.
    public func stop() {
        _ = try? run(bin.appendingPathComponent("pg_ctl").path, ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// posix_spawn and waitpid, not Process: Foundation's Process left pg_ctl's runuser a zombie
    /// and never returned from waitUntilExit here.
    @discardableResult
    private func run(_ tool: String, _ arguments: [String], asPostgres: Bool = true) throws -> String {
        let argv = asRoot && asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] + arguments : [tool] + arguments
        let outPath = directory.appendingPathComponent("tool-\(UUID().uuidString).out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // A file, not a pipe: the server pg_ctl starts would hold a pipe open for its lifetime.
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard spawned == 0 else { throw NSError(domain: "PostgresCluster", code: Int(spawned), userInfo: [NSLocalizedDescriptionKey: "cannot start \(argv[0])"]) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw NSError(domain: "PostgresCluster", code: Int(status),
                          userInfo: [NSLocalizedDescriptionKey: "\(argv.joined(separator: " ")) failed (status \(status)): \(text)"])
        }
        return text
    }
}
