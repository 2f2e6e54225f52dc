import Foundation
import Testing
@testable import HilCLI

@Suite struct ClientTarArchiveTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hil-tar-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func tar(_ arguments: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tar"] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    @Test func tarListsAndExtractsTheFolderByteForByte() throws {
        let root = try scratch()
        let data = root.appendingPathComponent("data")
        let longDir = String(repeating: "d", count: 90)
        let files: [String: [UInt8]] = [
            "cat/001.png": (0..<2000).map { UInt8($0 % 251) },
            "dog/empty.bin": [],
            "dog/x_test.jpg": Array("exactly".utf8),
            "\(longDir)/\(String(repeating: "f", count: 60)).npy": [1, 2, 3],          // ustar prefix + name
            "\(String(repeating: "p", count: 180))/\(String(repeating: "q", count: 120))": [9], // pax path
        ]
        for (path, bytes) in files {
            let url = data.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        // A link inside the folder is stored as the file it names.
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("dog/alias.png").path, withDestinationPath: "../cat/001.png")

        let archive = try TarArchive.folder(data)
        #expect(archive.count % 512 == 0)
        #expect(try TarArchive.folder(data) == archive, "the same folder must give the same bytes (and the same artifact)")
        let file = root.appendingPathComponent("data.tar")
        try archive.write(to: file)

        let listing = try tar(["-tvf", file.path])
        #expect(listing.status == 0, "\(listing.out)")
        for path in files.keys { #expect(listing.out.contains(path), "\(path) missing from:\n\(listing.out)") }
        #expect(!listing.out.contains("data/"), "paths are relative to the folder")

        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let extract = try tar(["-xf", file.path, "-C", out.path])
        #expect(extract.status == 0, "\(extract.out)")
        for (path, bytes) in files {
            #expect(try Data(contentsOf: out.appendingPathComponent(path)) == Data(bytes), "\(path)")
        }
        #expect(try Data(contentsOf: out.appendingPathComponent("dog/alias.png")) == Data(files["cat/001.png"]!))
        var isLink: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: out.appendingPathComponent("dog/alias.png").path, isDirectory: &isLink)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("dog/alias.png").path)) == nil)
    }

    @Test func aSingleFileIsArchivedUnderItsName() throws {
        let root = try scratch()
        let npy = root.appendingPathComponent("test.npy")
        try Data([0x93, 0x4E, 0x55, 0x4D]).write(to: npy)
        let file = root.appendingPathComponent("one.tar")
        try TarArchive.file(npy).write(to: file)
        let listing = try tar(["-tf", file.path])
        #expect(listing.out.split(separator: "\n") == ["test.npy"])
    }

    @Test func aSymlinkLeavingTheFolderIsRefusedNamingIt() throws {
        let root = try scratch()
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: root.appendingPathComponent("outside.txt"))
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("leak").path, withDestinationPath: "../outside.txt")
        #expect {
            try TarArchive.folder(data)
        } throws: { error in
            guard let error = error as? ArchiveError, case .symlinkOutside(let path, _) = error else { return false }
            return path.hasSuffix("data/leak") && "\(error)".contains("outside the dataset folder")
        }
    }

    @Test func paxRecordLengthCountsItself() {
        let record = TarArchive.paxRecord(key: "path", value: String(repeating: "a", count: 93))
        // " path=" + 93 + "\n" = 100 bytes, plus "103" = 103.
        #expect(String(decoding: record, as: UTF8.self).hasPrefix("103 path="))
        #expect(record.count == 103)
    }
}
