import ArgumentParser
import Foundation
import Deployer

/// The harness firmware for a target: the image the user gave, else the one
/// `make -C boards/firmware <target>` puts under out/firmware/, built on the spot when missing and
/// the ARM toolchain is there.
enum HarnessFirmware {
    static func image(target: String, given: String?, catalog: BoardCatalog, base: UInt32) throws -> FirmwareImage {
        let root = catalog.directory.deletingLastPathComponent()
        let path = given ?? root.appendingPathComponent("out/firmware/\(target)/harness.elf").path
        if given == nil, !FileManager.default.fileExists(atPath: path) {
            note("building the harness firmware (make -C boards/firmware \(target))…")
            let make = Process()
            make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            make.arguments = ["make", "-s", "-C", root.appendingPathComponent("boards/firmware").path, target]
            make.standardOutput = FileHandle.standardError
            try make.run()
            make.waitUntilExit()
            guard make.terminationStatus == 0 else {
                throw ValidationError("building the harness firmware for \(target) failed; install Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/setup does), or give --harness IMAGE")
            }
        }
        do { return try ImageLoader.load(path: path, binaryBase: base) } catch {
            throw RunError.pack(.harnessUnreadable(path: path, reason: error.description))
        }
    }
}
