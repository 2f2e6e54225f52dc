import Testing
@testable import Deployer

/// Results that do not belong to an outstanding sample must be dropped, never given to another.
@Suite struct AttributionTests {
    /// Sits on the host's side of a VirtualLink and slips extra device frames into what it reads.
    final class ForgingLink: HarnessLink {
        let inner: VirtualLink
        var forge: (_ hostFrame: HostMessage) -> [Frame] = { _ in [] }
        /// Real RESULT frames as read, for replaying.
        private(set) var realResults: [Frame] = []
        private var injected: [UInt8] = []
        private var up = FrameDecoder(), down = FrameDecoder()

        init(_ inner: VirtualLink) { self.inner = inner }

        func write(_ bytes: [UInt8]) throws {
            for case let .frame(f) in up.feed(bytes) {
                if let m = try? HostMessage(f) { for forged in forge(m) { injected += forged.wireBytes } }
            }
            try inner.write(bytes)
        }

        func read(maxBytes: Int, timeout: Duration) throws -> [UInt8] {
            if !injected.isEmpty { defer { injected = [] }; return [0] + injected }
            let bytes = try inner.read(maxBytes: maxBytes, timeout: timeout)
            for case let .frame(f) in down.feed(bytes) where f.type == FrameType.result.rawValue { realResults.append(f) }
            return bytes
        }
    }

    static func result(sample: UInt32, boot: UInt32, inputCRC: UInt32, scores: [Int8], seq: UInt16 = 500) -> Frame {
        var w = ByteWriter()
        w.u32(sample); w.u32(boot); w.u32(inputCRC); w.u64(1); w.u16(0); w.u16(UInt16(scores.count)); w.u8(0)
        w.raw(scores.map { UInt8(bitPattern: $0) })
        return Frame(.result, seq: seq, payload: w.bytes)
    }

    @Test func forgedAndReplayedResultsAreDroppedAndCounted() throws {
        let device = SimulatedDevice(model: TestModel.blob())
        let virtual = VirtualLink(device: device)
        let link = ForgingLink(virtual)
        var options = HarnessOptions.testing
        options.firstWireID = 100
        let session = HarnessSession(link: link, options: options)
        let samples = distinctInputs(40)
        let reference = Reference(blob: TestModel.blob())
        let crcOf = { (k: Int) in CRC32.checksum(samples[k].input) }
        let scoresOf = { (k: Int) in reference.scores(samples[k].input) }
        var forged = 0
        link.forge = { message in
            guard case let .infer(_, sample, _) = message else { return [] }
            let boot = device.bootID
            switch sample {
            case 101:                                             // while 100 and 101 are out:
                forged += 4
                return [
                    // 100's own answer, from another boot
                    Self.result(sample: 100, boot: boot &+ 1, inputCRC: crcOf(0), scores: scoresOf(0)),
                    // a sample id nobody sent
                    Self.result(sample: 7777, boot: boot, inputCRC: crcOf(0), scores: scoresOf(0)),
                    // 101's id over 100's bytes
                    Self.result(sample: 101, boot: boot, inputCRC: crcOf(0), scores: scoresOf(0)),
                    // 100's id with a score vector of the wrong length
                    Self.result(sample: 100, boot: boot, inputCRC: crcOf(0), scores: [1, 2, 3]),
                ]
            case 120:                                             // replays of delivered results
                forged += link.realResults.prefix(3).count
                return Array(link.realResults.prefix(3))
            default:
                return []
            }
        }
        try session.waitForHello()
        var results: [SampleResult] = []
        try session.run(samples: samples) { results.append($0) }
        #expect(results.count == 40)
        #expect(Set(results.map(\.id)).count == 40)
        let inputs = Dictionary(uniqueKeysWithValues: samples.map { ($0.id, $0.input) })
        #expect(results.allSatisfy { reference.scores(inputs[$0.id]!) == $0.scores })
        // the last two forgeries make 101 and 100 run again under new ids, so the device's own
        // results for their first attempts are dropped too
        #expect(forged == 7)
        #expect(session.statistics.droppedResults == forged + 2)
        #expect(session.statistics.restarts == 2)
    }
}
