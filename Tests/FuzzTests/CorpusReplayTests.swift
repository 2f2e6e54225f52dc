import Foundation
import Testing
import Deployer
@testable import FuzzTargets

/// The fuzz targets under `swift test`: every committed corpus input and every crash input found
/// so far (Tests/Fuzz/regressions, one folder per target) runs through its target's parser and
/// checks on every CI run, without the fuzzer build. A check that fails traps the test process,
/// which fails the run with the check's message.
@Suite struct CorpusReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [(name: String, bytes: [UInt8])] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            FileManager.default.contents(atPath: folder.appendingPathComponent(name).path).map { (name, [UInt8]($0)) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusReplaysAndReachesPastTheFirstCheck(_ target: FuzzTarget) {
        let corpus = Self.inputs("corpus", target)
        #expect(!corpus.isEmpty, "Tests/Fuzz/corpus/\(target.rawValue) is empty; run Tests/Fuzz/make-corpus")
        let accepted = corpus.filter { target.run($0.bytes) == .accepted }
        // A corpus the parser refuses entirely only teaches the fuzzer the first check.
        #expect(!accepted.isEmpty, "no seed of \(target.rawValue) is accepted")
    }

    @Test(arguments: FuzzTarget.allCases)
    func crashInputsFoundBeforeStayFixed(_ target: FuzzTarget) {
        for input in Self.inputs("regressions", target) { _ = target.run(input.bytes) }
    }

    /// The message seeds are built from hil's encoders; a committed one that differs means the
    /// wire format moved and the corpus was not rebuilt.
    @Test(arguments: FuzzTarget.allCases)
    func committedSeedsMatchTodaysEncoders(_ target: FuzzTarget) {
        let committed = Dictionary(Self.inputs("corpus", target).map { ($0.name, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        for seed in FuzzSeeds.seeds(for: target) {
            #expect(committed[seed.name] == seed.bytes, "Tests/Fuzz/corpus/\(target.rawValue)/\(seed.name) is stale; run Tests/Fuzz/make-corpus")
        }
    }

    @Test func truncatedOrForeignInputsAreRefusedNotAccepted() {
        let elf = Self.inputs("corpus", .elf).first!.bytes
        #expect(FuzzTarget.elf.run(Array(elf.prefix(40))) == .rejected)
        #expect(FuzzTarget.elf.run(Array("not an elf".utf8)) == .rejected)
        #expect(FuzzTarget.model.run(Array(DeviceFrameTarget.exampleModel.prefix(71))) == .rejected)
        #expect(FuzzTarget.npy.run([0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF]) == .rejected)
        #expect(FuzzTarget.apiJSON.run(Array("[1, 2]".utf8)) == .rejected)
        #expect(FuzzTarget.apiJSON.run(Array(#"{"model": 3"#.utf8)) == .rejected)
        #expect(FuzzTarget.image.run([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]) == .rejected)
    }

    /// The structured stream form must carry the frames intact: the host-frames check compares the
    /// decoded frames with these.
    @Test func structuredStreamsCarryTheirFramesWhole() {
        let stream = FrameStream([0x01, 0x02, 0x05, 0x02, 0xAA, 0xBB, 0x41, 0x00, 0x00, 0x7E])
        #expect(stream.frames.map(\.type) == [0x02, 0x41])
        #expect(stream.frames.first?.payload == [0xAA, 0xBB])
        #expect(FuzzTarget.hostFrames.run([0x01, 0x02, 0x05, 0x02, 0xAA, 0xBB]) == .accepted)
    }

    /// A model accepted after the CRC fix-up runs; the fix-up itself is what lets mutations reach the layers.
    @Test func modelTargetRepairsTheCRCSoMutationsReachTheLayers() {
        var blob = DeviceFrameTarget.exampleModel
        blob[blob.count - 4] = 5               // the conv weight 3 → 5: the stored CRC is now wrong
        #expect(FuzzTarget.model.run(blob) == .accepted)
        #expect(ModelFile.resealed(blob) != blob)
    }
}
