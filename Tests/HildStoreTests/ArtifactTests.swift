import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct ArtifactTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256Hex.of(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hex.of(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hex.of(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func anArtifactIsStoredUnderItsSHA256() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        let info = try store.putArtifact(kind: .labels, bytes: Data("abc".utf8), now: oddDate)
        #expect(info == ArtifactInfo(id: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", kind: .labels, size: 3, createdAt: oddDate))
        #expect(store.artifactPath(info.id) == store.directory.appendingPathComponent("artifacts/\(info.id)"))
        #expect(try Data(contentsOf: store.artifactPath(info.id)) == Data("abc".utf8))
        #expect(try store.artifact(info.id) == info)
        #expect(try store.artifact(SHA256Hex.of(Data("other".utf8))) == nil)
    }

    @Test func storingTheSameBytesAgainIsIdempotent() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        let bytes = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let first = try store.putArtifact(kind: .dataset, bytes: bytes, now: oddDate)
        let again = try store.putArtifact(kind: .model, bytes: bytes)
        #expect(again == first)          // same id; the first kind and time are kept
        let files = try FileManager.default.contentsOfDirectory(atPath: store.directory.appendingPathComponent("artifacts").path)
        #expect(files.sorted() == [".incoming", first.id])
    }

    @Test func aMissingFileMeansUnknownAndAnUploadRestoresIt() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        let info = try store.putArtifact(kind: .model, bytes: Data("model".utf8), now: oddDate)
        try FileManager.default.removeItem(at: store.artifactPath(info.id))
        #expect(try store.artifact(info.id) == nil)
        #expect(try store.putArtifact(kind: .model, bytes: Data("model".utf8)) == info)
        #expect(try store.artifact(info.id) == info)
    }

    @Test func tooLargeIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(limit: 16)
        #expect(try store.putArtifact(kind: .firmware, bytes: Data(count: 16)).size == 16)
        let big = Data(repeating: 1, count: 17)
        let error = #expect(throws: StoreError.self) { try store.putArtifact(kind: .firmware, bytes: big) }
        #expect(error?.kind == .tooLarge(size: 17, limit: 16, kind: .firmware))
        #expect(error?.description.contains("17 bytes, over the store's limit of 16 bytes") == true)
        let artifacts = store.directory.appendingPathComponent("artifacts")
        #expect(try FileManager.default.contentsOfDirectory(atPath: artifacts.path).sorted() == [".incoming", SHA256Hex.of(Data(count: 16))])
        #expect(try FileManager.default.contentsOfDirectory(atPath: artifacts.appendingPathComponent(".incoming").path).isEmpty)
        #expect(try store.artifact(SHA256Hex.of(big)) == nil)
    }

    @Test(arguments: [
        "../x", "../../etc/passwd", "", "abc",
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",     // upper case
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",      // 63 digits
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",    // 65 digits
        "../7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2001/ad",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
    ])
    func malformedIdsAreRefused(id: String) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        _ = try store.putArtifact(kind: .labels, bytes: Data("abc".utf8))
        #expect(!SHA256Hex.isValid(id))
        #expect(try store.artifact(id) == nil)
    }

    @Test func leftoversOfInterruptedUploadsAreSwept() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        let kept = try store.putArtifact(kind: .model, bytes: Data("model".utf8))
        let incoming = store.directory.appendingPathComponent("artifacts/.incoming")
        try Data("half a mod".utf8).write(to: incoming.appendingPathComponent("A1B2.part"))
        try Data().write(to: incoming.appendingPathComponent("C3D4.part"))
        try store.sweepIncoming()
        #expect(try FileManager.default.contentsOfDirectory(atPath: incoming.path).isEmpty)
        #expect(try store.artifact(kept.id) == kept)
    }

    @Test func noSpaceOnTheDiskIsNamedAsSuch() {
        let error = StoreError.posix(ENOSPC, path: "/var/lib/hild/artifacts")
        #expect(error.kind == .diskFull(path: "/var/lib/hild/artifacts"))
        #expect(error.description == "the disk holding /var/lib/hild/artifacts is full: free space and retry; nothing was stored")
        #expect(StoreError.posix(EACCES, path: "/x").kind == .io(path: "/x", reason: String(cString: strerror(EACCES))))
    }
}
