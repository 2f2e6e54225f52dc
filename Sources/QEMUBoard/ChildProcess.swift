import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A supervised child process (QEMU). Spawned with posix_spawn so every detail is ours:
/// - no terminal: stdin is /dev/null, stdout/stderr are pipes, and it runs in its own session
///   (POSIX_SPAWN_SETSID), so it can neither read the bench's terminal nor get its ^C;
/// - no inherited descriptors beyond 0–2 (sockets, ptys and pipes of the bench stay here);
/// - dies with the bench: wrapped in util-linux's `setpriv --pdeathsig KILL` when available,
///   spawned from a thread that lives as long as the process (the death signal follows the
///   spawning *thread*);
/// - reaped by a watchdog thread, which records how it ended the moment it does.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let output: OutputCapture
    private let condition = NSCondition()
    private var status: QEMUExitStatus?

    /// Spawns `executable` (a path) with `arguments` (without argv[0]); throws the reason text.
    init(executable: String, arguments: [String]) throws(SpawnFailure) {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw SpawnFailure("pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            outPipe.forEach { close($0) }
            throw SpawnFailure("pipe: \(String(cString: strerror(errno)))")
        }
        // Our ends must not leak into other children spawned meanwhile.
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer {
            close(outPipe[1])
            close(errPipe[1])
        }

        var argv = [executable] + arguments
        var path = executable
        if let setpriv = Self.setpriv {
            path = setpriv
            argv = [setpriv, "--pdeathsig", "KILL", "--"] + argv
        }
        let result = SpawnThread.shared.run { () -> (pid_t, Int32) in
            Self.spawn(path, argv, stdout: outPipe[1], stderr: errPipe[1])
        }
        guard result.1 == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw SpawnFailure("posix_spawn \(path): \(String(cString: strerror(result.1)))")
        }
        pid = result.0
        output = OutputCapture(stdout: outPipe[0], stderr: errPipe[0])
        let watchdog = Thread { [self] in watch() }
        watchdog.name = "qemu-watchdog-\(pid)"
        watchdog.start()
    }

    /// util-linux's setpriv, if installed (Debian: always, it is in an essential package).
    static let setpriv: String? = access("/usr/bin/setpriv", X_OK) == 0 ? "/usr/bin/setpriv" : nil

    private static func spawn(_ path: String, _ argv: [String], stdout: Int32, stderr: Int32) -> (pid_t, Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Close everything else the bench has open (glibc ignores descriptors closed meanwhile).
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Signals the bench ignores (SIGPIPE typically) would stay ignored across exec.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // POSIX_SPAWN_SETSID is a glibc extension Swift does not import; its value is 0x80.
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setsid))

        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, path, &actions, &attributes, &cArguments, environ)
        return (pid, error)
    }

    /// Blocks until the child ends without reaping it (WNOWAIT), records the status while the
    /// pid is still ours, then reaps: `signal` cannot hit a recycled pid.
    private func watch() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        condition.lock()
        var raw: Int32 = 0
        let reaped = waitpid(pid, &raw, 0)
        if reaped != pid {
            status = .unknown
        } else if raw & 0x7F == 0 {
            status = .code((raw >> 8) & 0xFF)
        } else {
            status = .signal(raw & 0x7F)
        }
        condition.broadcast()
        condition.unlock()
    }

    /// How the child ended; nil while it runs.
    var exitStatus: QEMUExitStatus? {
        condition.lock()
        defer { condition.unlock() }
        return status
    }

    /// Sends a signal unless the child has already ended.
    func signal(_ number: Int32) {
        condition.lock()
        defer { condition.unlock() }
        if status == nil { _ = kill(pid, number) }
    }

    /// Waits (bounded) for the child to end; its status, or nil if it still runs.
    func waitForExit(timeout: Duration) -> QEMUExitStatus? {
        let (seconds, attoseconds) = timeout.components
        let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while status == nil {
            if !condition.wait(until: deadline) { break }
        }
        return status
    }
}

struct SpawnFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// One thread, alive for the whole process, that performs every spawn. The kernel delivers a
/// child's parent-death signal when the thread that spawned it exits; spawned from a pool
/// thread, QEMU could be killed whenever the pool retires that thread.
final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()
    private let condition = NSCondition()
    private let serial = NSLock()
    private var job: (() -> Void)?

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "qemu-spawner"
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while job == nil { condition.wait() }
            let work = job!
            condition.unlock()
            work()
            condition.lock()
            job = nil
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Runs `body` on the spawner thread and returns its result.
    func run<T>(_ body: @escaping () -> T) -> T {
        serial.lock()
        defer { serial.unlock() }
        var result: T?
        condition.lock()
        job = { result = body() }
        condition.broadcast()
        while job != nil { condition.wait() }
        condition.unlock()
        return result!
    }
}
