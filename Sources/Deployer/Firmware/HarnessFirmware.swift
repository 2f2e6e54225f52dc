import Foundation

/// The harness firmware for a target: the image the user gave, else the one
/// `make -C boards/firmware <target>` puts under out/firmware/, built on the spot when missing and
/// the ARM toolchain is there.
public enum HarnessFirmware {
    /// The default build's path for a target, beside the boards/ folder.
    public static func defaultPath(target: String, catalog: BoardCatalog) -> String {
        catalog.directory.deletingLastPathComponent().appendingPathComponent("out/firmware/\(target)/harness.elf").path
    }

    public static func image(target: String, given: String?, catalog: BoardCatalog, base: UInt32,
                             note: (String) -> Void = { _ in }) throws(RunError) -> FirmwareImage {
        let root = catalog.directory.deletingLastPathComponent()
        let path = given ?? defaultPath(target: target, catalog: catalog)
        // make is incremental: an image older than the harness sources (an earlier protocol) is
        // rebuilt, an up-to-date one costs a few milliseconds. A failed rebuild of an existing
        // image is noted and the image used; a missing one that cannot be built is an error.
        // One make at a time over out/firmware, and no read while one links: hild's boards deploy
        // in parallel, and two makes in one tree (or a read of a half-linked ELF) break each other.
        let lock = given == nil ? BuildLock(directory: root.appendingPathComponent("out/firmware")) : nil
        defer { lock?.release() }
        if given == nil {
            let exists = FileManager.default.fileExists(atPath: path)
            if !exists { note("building the harness firmware (make -C boards/firmware \(target))…") }
            let make = Process()
            make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            make.arguments = ["make", "-s", "-C", root.appendingPathComponent("boards/firmware").path, target]
            make.standardOutput = FileHandle.standardError
            make.standardError = exists ? FileHandle.nullDevice : FileHandle.standardError
            var status: Int32 = -1
            do {
                try make.run()
                make.waitUntilExit()
                status = make.terminationStatus
            } catch where !exists {
                throw .pack(.harnessUnreadable(path: path, reason: "cannot run make (\(error.localizedDescription)); install Debian's make"))
            } catch {}
            if status != 0 {
                guard exists else {
                    throw .pack(.harnessUnreadable(path: path, reason: "building the harness firmware for \(target) failed; install Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/setup does), or give a harness image"))
                }
                note("note: could not rebuild \(path) (make -C boards/firmware \(target)); using it as it is")
            }
        }
        do { return try ImageLoader.load(path: path, binaryBase: base) } catch {
            throw .pack(.harnessUnreadable(path: path, reason: error.description))
        }
    }
}

/// An exclusive flock(2) on `out/firmware/.build-lock`, held while the firmware is built and read.
/// Per open file: two boards of one process wait for each other as two processes do.
final class BuildLock {
    private var fd: Int32

    init(directory: URL) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        fd = open(directory.appendingPathComponent(".build-lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { while flock(fd, LOCK_EX) != 0 && errno == EINTR {} }
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
