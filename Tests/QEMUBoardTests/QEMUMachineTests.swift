import Foundation
import GDBRemote
import QEMUBoard
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Whether a program is in PATH (the tests' own check, independent of QEMUBoard's).
func installed(_ name: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        access("\($0)/\(name)", X_OK) == 0
    }
}

func pseudoRandom(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// Real QEMU, one machine per test, always terminated. Serialized: each QEMU keeps a core busy.
@Suite(
    "QEMUMachine with qemu-system-arm",
    .serialized,
    .enabled(if: installed("qemu-system-arm"), "qemu-system-arm is not installed (apt-get install qemu-system-arm)")
)
struct QEMUMachineTests {
    @Test func startsHaltedWithPtyAndStub() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        #expect(machine.isRunning)
        #expect(machine.serialPath.hasPrefix("/dev/pts/"))
        #expect(FileManager.default.fileExists(atPath: machine.serialPath))
        #expect(machine.gdbPort > 0)
        #expect(machine.commandLine.contains("-S") && machine.commandLine.contains("shift=0"))
        #expect(try machine.gdb.halt().reason == .signal(5))
        #expect(machine.gdb.packetSize == 0x1000)
        // The numbering QEMUBoard relies on, from QEMU's own target description.
        let gdb = machine.gdb
        #expect(gdb.registerNumber(named: "sp") == QEMUMachine.stackPointerRegister)
        #expect(gdb.registerNumber(named: "pc") == QEMUMachine.programCounterRegister)
        #expect(gdb.registerNumber(named: "xpsr") == QEMUMachine.xpsrRegister)
        #expect(gdb.registerNumber(named: "r0") == 0 && gdb.registerNumber(named: "lr") == 14)
    }

    @Test func memoryRoundTrip64K() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        let data = pseudoRandom(64 * 1024, seed: 42)
        let readBack = try machine.withGDB { (gdb) throws(GDBError) -> [UInt8] in
            try gdb.writeMemory(0x0000_1000, data)
            return try gdb.readMemory(0x0000_1000, count: data.count)
        }
        #expect(readBack == data)
        // And an inaccessible address is a typed stub error, not a hang.
        #expect(throws: QEMUError.gdb(.stubError(code: 0x14, command: "mfffff000,4"))) {
            try machine.withGDB { (gdb) throws(GDBError) in _ = try gdb.readMemory(0xFFFF_F000, count: 4) }
        }
    }

    @Test func registersRoundTrip() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        let values: [Int: UInt32] = Dictionary(uniqueKeysWithValues: (0...12).map { ($0, 0x1111_1111 &* UInt32($0 + 1)) })
            .merging([13: 0x0000_7FF0, 14: 0xFFFF_FFF9, 15: 0x0000_0100, 25: 0x6100_0000]) { $1 }
        try machine.withGDB { (gdb) throws(GDBError) in
            for (number, value) in values { try gdb.writeRegister(number, value) }
        }
        for (number, value) in values.sorted(by: { $0.key < $1.key }) {
            #expect(try machine.withGDB { (gdb) throws(GDBError) in try gdb.readRegister(number) } == value, "register \(number)")
        }
    }

    @Test func bootsAProgramThatWritesTheUART() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        let serial = try RawPty(path: machine.serialPath)
        defer { serial.close() }
        let base: UInt32 = 0x0000_4000
        try machine.load([(address: base, bytes: UARTProgram.image(at: base))], vectorTable: base)
        #expect(machine.gdb.isTargetRunning)
        let received = serial.read(until: Array(UARTProgram.message.utf8), timeout: .seconds(5))
        #expect(String(decoding: received, as: UTF8.self) == UARTProgram.message)
        Thread.sleep(forTimeInterval: 0.05)
        let (stop, r0, r1, pc, sp) = try machine.withGDB { (gdb) throws(GDBError) in
            (try gdb.halt(), try gdb.readRegister(0), try gdb.readRegister(1), try gdb.readRegister(15), try gdb.readRegister(13))
        }
        #expect(stop.reason == .signal(2))
        #expect(r0 > 0)  // it has been counting
        #expect(r1 == 0x4000_4000)
        #expect(pc == base + UARTProgram.doneOffset || pc == base + UARTProgram.doneOffset + 2)
        #expect(sp == base + 0x8000)
        // Booting again restarts it from its vector table.
        try machine.boot(vectorTable: base)
        let again = serial.read(until: Array(UARTProgram.message.utf8), timeout: .seconds(5))
        #expect(String(decoding: again, as: UTF8.self) == UARTProgram.message)
    }

    @Test func refusesATableWithoutAThumbResetVector() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        try machine.withGDB { (gdb) throws(GDBError) in
            try gdb.writeMemory(0x2000, UARTProgram.littleEndian(0x8000) + UARTProgram.littleEndian(0x2020))
        }
        #expect(throws: QEMUError.invalidVectorTable(address: 0x2000, stackPointer: 0x8000, resetVector: 0x2020)) {
            try machine.boot(vectorTable: 0x2000)
        }
    }

    @Test func killedQEMUIsReportedAsExited() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        try machine.load([(address: 0, bytes: UARTProgram.image(at: 0))], vectorTable: 0)
        #expect(kill(machine.pid, SIGKILL) == 0)
        var error: QEMUError?
        do {
            try machine.withGDB { (gdb) throws(GDBError) in _ = try gdb.halt() }
        } catch let caught {
            error = caught
        }
        guard case .exited(let status, _)? = error else {
            Issue.record("expected .exited, got \(String(describing: error))")
            return
        }
        #expect(status == .signal(SIGKILL))
        #expect(!machine.isRunning)
        #expect(machine.exitStatus == .signal(SIGKILL))
        #expect(error?.description.contains("QEMU exited unexpectedly (killed by signal 9 (SIGKILL))") == true)
        // Every later operation says the same, at once.
        #expect(throws: error!) { try machine.boot(vectorTable: 0) }
    }

    @Test func terminateLeavesNoProcess() throws {
        let machine = try QEMUMachine()
        let pid = machine.pid
        #expect(kill(pid, 0) == 0)
        try machine.load([(address: 0, bytes: UARTProgram.image(at: 0))], vectorTable: 0)
        machine.terminate()
        #expect(!machine.isRunning)
        // Reaped, not a zombie: the pid no longer exists at all.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        machine.terminate()  // idempotent
        #expect(throws: GDBError.self) { try machine.gdb.readRegister(0) }
    }

    @Test func deinitTerminates() throws {
        var pid: Int32 = 0
        do {
            let machine = try QEMUMachine()
            pid = machine.pid
        }
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func unknownMachineFailsToStartWithQEMUsWords() throws {
        var config = QEMUConfig()
        config.machine = "no-such-board"
        do {
            _ = try QEMUMachine(config: config)
            Issue.record("QEMU started a machine that does not exist")
        } catch {
            guard case .failedToStart(let reason, let stderr) = error else {
                Issue.record("expected .failedToStart, got \(error)")
                return
            }
            #expect(reason.contains("exited during startup"))
            #expect(stderr.contains("unsupported machine type"))
        }
    }

    /// The figure for docs/gdb-remote.md: 1 MB written and read back over the stub.
    @Test func loadSpeedOfOneMegabyte() throws {
        let machine = try QEMUMachine()
        defer { machine.terminate() }
        let data = pseudoRandom(1024 * 1024, seed: 7)
        let clock = ContinuousClock()
        let written = try clock.measure {
            try machine.withGDB { (gdb) throws(GDBError) in try gdb.writeMemory(0x0010_0000, data) }
        }
        var readBack: [UInt8] = []
        let read = try clock.measure {
            readBack = try machine.withGDB { (gdb) throws(GDBError) in try gdb.readMemory(0x0010_0000, count: data.count) }
        }
        #expect(readBack == data)
        func rate(_ d: Duration) -> Int { Int(1024 / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)) }
        print("QEMU stub, 1 MB: write \(rate(written)) KB/s (\(written)), read \(rate(read)) KB/s (\(read))")
        #expect(written < .seconds(10))
    }

    @Test func programSourceMatchesTheHandAssembly() throws {
        try #require(installed("arm-none-eabi-as"), "arm-none-eabi-as is not installed")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hil-uart-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("uart.s")
        try UARTProgram.source.write(to: source, atomically: true, encoding: .utf8)
        for (tool, arguments) in [
            ("arm-none-eabi-as", ["-mcpu=cortex-m7", "-mthumb", source.path, "-o", directory.appendingPathComponent("uart.o").path]),
            ("arm-none-eabi-objcopy", ["-O", "binary", directory.appendingPathComponent("uart.o").path,
                                       directory.appendingPathComponent("uart.bin").path]),
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "\(tool) failed")
        }
        let assembled = try [UInt8](Data(contentsOf: directory.appendingPathComponent("uart.bin")))
        let image = UARTProgram.image(at: 0)
        #expect(Array(assembled.prefix(image.count)) == image)
    }
}

/// Without QEMU, the one failure that needs none.
@Suite("QEMUMachine without QEMU")
struct QEMUAbsentTests {
    @Test func missingExecutableSaysWhatToInstall() {
        var config = QEMUConfig()
        config.executable = "qemu-system-arm-that-does-not-exist"
        #expect(throws: QEMUError.notInstalled(executable: "qemu-system-arm-that-does-not-exist")) {
            _ = try QEMUMachine(config: config)
        }
        #expect(QEMUError.notInstalled(executable: "qemu-system-arm").description
            == "qemu-system-arm not found: install Debian's qemu-system-arm (apt-get install qemu-system-arm)")
    }
}

/// The host end of the board's UART: the pty slave in raw mode, read with a deadline.
final class RawPty {
    private var fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        // No echo back into the UART, no line buffering or CR/LF translation.
        var settings = termios()
        tcgetattr(fd, &settings)
        cfmakeraw(&settings)
        tcsetattr(fd, TCSANOW, &settings)
    }

    /// Reads until `expected` has arrived (as the tail of what was read) or the timeout passes.
    func read(until expected: [UInt8], timeout: Duration) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while ContinuousClock.now < deadline, !(received.count >= expected.count && Array(received.suffix(expected.count)) == expected) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n > 0 { received += buffer[0..<n] }
        }
        return received
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
