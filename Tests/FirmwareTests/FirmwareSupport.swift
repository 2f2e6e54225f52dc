import Foundation
import Testing
import Deployer
import STLink

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Finds an executable on PATH.
func which(_ tool: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

enum Toolchain {
    /// The first tool the firmware build needs that is not on PATH.
    static let missing: String? = ["arm-none-eabi-gcc", "arm-none-eabi-objcopy", "arm-none-eabi-size", "make"]
        .first { which($0) == nil }
    static let available = missing == nil
    static let skipMessage = Comment(rawValue: "\(missing ?? "arm-none-eabi-gcc") is not on PATH: install gcc-arm-none-eabi, libnewlib-arm-none-eabi and make (CI installs them) to build and check the harness firmware")
    static let missingForQEMU: String? = missing ?? (which("qemu-system-arm") == nil ? "qemu-system-arm" : nil)
    static let qemuAvailable = missingForQEMU == nil
    static let qemuSkipMessage = Comment(rawValue: "\(missingForQEMU ?? "qemu-system-arm") is not on PATH: install gcc-arm-none-eabi, libnewlib-arm-none-eabi, make and qemu-system-arm to boot the harness firmware in QEMU")
}

/// Runs a program to completion; returns its exit status and its stdout and stderr together.
func runTool(_ arguments: [String], timeout: TimeInterval = 180) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "cannot run \(arguments.joined(separator: " ")): \(error)") }
    let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Both firmware targets, built once per test process with the project's Makefile into a
/// temporary directory (the tests never touch out/ or a developer's build).
struct FirmwareBuild: Sendable {
    static let buildID = "fwtest-1"
    let directory: URL
    let status: Int32
    let output: String

    static let shared: FirmwareBuild = {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hil-firmware-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let makefileDir = repositoryRoot.appendingPathComponent("boards/firmware").path
        let (status, output) = runTool(["make", "-C", makefileDir, "O=\(directory.path)", "BUILD_ID=\(buildID)", "-j2", "all"])
        atexit { try? FileManager.default.removeItem(at: FirmwareBuild.shared.directory) }
        return FirmwareBuild(directory: directory, status: status, output: output)
    }()

    func elf(_ board: String) -> URL { directory.appendingPathComponent("\(board)/harness.elf") }
}

/// A target as its board description says it: the firmware layout and the harness's budgets, decoded
/// with the types hil uses for boards/*.json, plus where its RAM is.
struct TargetLayout: Sendable, CustomTestStringConvertible {
    let board: String
    let firmware: BoardDefinition.Firmware
    let harness: BoardDefinition.Harness
    let ramBase: UInt32
    let ramBytes: Int

    var testDescription: String { board }
    var harnessBase: UInt32 { firmware.harnessRegion.base.value }
    var ramEnd: UInt64 { UInt64(ramBase) + UInt64(ramBytes) }

    private struct Description: Decodable {
        let name: String
        let firmware: BoardDefinition.Firmware
        let harness: BoardDefinition.Harness
        let ramKb: Int?                         // boards/<board>.json: RAM from 0x20000000
        let ramRegion: BoardDefinition.Region?  // boards/qemu/*.json
    }

    static func load(_ relativePath: String) -> TargetLayout? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let data = try? Data(contentsOf: repositoryRoot.appendingPathComponent(relativePath)),
              let d = try? decoder.decode(Description.self, from: data) else { return nil }
        let ramBase = d.ramRegion?.base.value ?? 0x2000_0000
        let ramBytes = d.ramRegion?.size ?? (d.ramKb ?? 0) * 1024
        return TargetLayout(board: d.name, firmware: d.firmware, harness: d.harness, ramBase: ramBase, ramBytes: ramBytes)
    }

    static let f746 = load("boards/stm32f746g-disco.json")
    static let qemu = load("boards/qemu/mps2-an500.json")
    static let all: [TargetLayout] = [f746, qemu].compactMap { $0 }
}

/// The section headers of an ELF32 file: enough to add up where the image puts its bytes.
struct ELFSection: Sendable {
    static let allocFlag: UInt32 = 0x2
    static let nobitsType: UInt32 = 8

    let name: String
    let type: UInt32
    let flags: UInt32
    let address: UInt32
    let size: UInt32

    var isAllocated: Bool { flags & Self.allocFlag != 0 }
    var end: UInt64 { UInt64(address) + UInt64(size) }

    static func read(_ bytes: [UInt8]) -> [ELFSection] {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) | UInt32(u16(o + 2)) << 16 }
        guard bytes.count >= 52 else { return [] }
        let shoff = Int(u32(32)), shentsize = u16(46), shnum = u16(48), shstrndx = u16(50)
        guard shentsize == 40, shoff + shnum * 40 <= bytes.count, shstrndx < shnum else { return [] }
        let strtab = Int(u32(shoff + shstrndx * 40 + 16))
        func name(_ offset: UInt32) -> String {
            let start = strtab + Int(offset)
            var end = start
            while end < bytes.count, bytes[end] != 0 { end += 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        return (0..<shnum).map { i in
            let h = shoff + i * 40
            return ELFSection(name: name(u32(h)), type: u32(h + 4), flags: u32(h + 8), address: u32(h + 12), size: u32(h + 20))
        }
    }
}

/// The bytes an image puts at `address`, if one segment holds all `count` of them.
func bytes(of image: FirmwareImage, at address: UInt32, count: Int) -> [UInt8]? {
    for segment in image.segments where address >= segment.address && UInt64(address) + UInt64(count) <= segment.end {
        let start = Int(address - segment.address)
        return Array(segment.bytes[start..<start + count])
    }
    return nil
}

func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

func cString(_ b: ArraySlice<UInt8>) -> String {
    String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
}

/// Reproducible inputs for a harness session: an LCG's high bytes, `count` samples of `bytes` each.
func seededSamples(count: Int, bytes: Int) -> [(id: Int, input: [UInt8])] {
    var state: UInt32 = 0x1234_5678
    return (0..<count).map { id in
        (id, (0..<bytes).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        })
    }
}

/// Runs blocking work (a board session, a firmware build) on a thread of its own, so that a test
/// does not hold one of the few threads of Swift's cooperative pool (two on this machine) that
/// the async tests of the whole suite share.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
