import Testing
@testable import Deployer

/// Double buffering, seen on the virtual clock.
@Suite struct PipelineTests {
    /// Replays the host's side of the wire in order: +1 when a sample's first pass starts, -1 when
    /// its RESULT is read. Returns the number of samples out after every event.
    func outstanding(_ link: VirtualLink) -> [Int] {
        var up = FrameDecoder(), down = FrameDecoder()
        var out = Set<UInt32>(), counts: [Int] = []
        for entry in link.log {
            let events = entry.wrote ? up.feed(entry.bytes) : down.feed(entry.bytes)
            for case let .frame(f) in events {
                if entry.wrote, case let .input(_, sample, 0, _)? = try? HostMessage(f) { out.insert(sample) }
                if !entry.wrote, case let .result(r)? = try? DeviceMessage(f) { out.remove(r.sample) }
                counts.append(out.count)
            }
        }
        return counts
    }

    @Test func whenInferenceIsFasterTheLineNeverIdles() throws {
        let bench = Bench()                                       // 10 ms inference, 272 ms per upload at 115200
        let samples = distinctInputs(200)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        let link = bench.link

        // at most two samples out, and never none until the last has been sent
        let counts = outstanding(link)
        #expect(counts.max() == 2)
        let lastStart = counts.lastIndex(of: 2)!
        #expect(counts[counts.firstIndex(of: 1)!...lastStart].min()! >= 1)

        // the next sample streams in while the device infers: every inference but the last
        // overlaps the line carrying bytes
        let busy = link.lineBusy
        var idleInferences = 0
        for inference in link.inferences.dropLast() {
            let overlap = busy.reduce(0.0) { $0 + max(0, min($1.to, inference.end) - max($1.from, inference.start)) }
            if overlap < 0.9 * (inference.end - inference.start) { idleInferences += 1 }
        }
        #expect(idleInferences == 0)
        #expect(link.inferences.count == 200)

        // ≥ 95 % of the line rate carries input bytes, from the first INPUT to the last RESULT
        let first = busy.first { $0.to - $0.from > 0.1 }!.from
        let inputRate = Double(200 * 3072) / (link.now - first)
        let lineRate = 115_200.0 / 10
        #expect(inputRate / lineRate >= 0.95, "input at \(inputRate / lineRate) of the line rate")
    }

    @Test func whenInferenceIsSlowerTheDeviceNeverWaitsForInput() throws {
        var config = SimulatedDevice.Config()
        config.inferenceCycles = 21_600_000                       // 100 ms, against 34 ms per upload
        let bench = Bench(device: config)
        let samples = distinctInputs(50)
        let results = try bench.stream(samples, baud: 921_600)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        let runs = bench.link.inferences
        #expect(runs.count == 50)
        let gaps = zip(runs, runs.dropFirst()).map { $1.start - $0.end }
        #expect(gaps.max()! < 1e-9, "the device waited \(gaps.max()!) s for an input")
        #expect(outstanding(bench.link).max() == 2)
    }

    @Test func wireCostPerInputAtTheDefaultChunkSize() throws {
        let bench = Bench()
        let samples = distinctInputs(100)
        try bench.session.waitForHello()
        let before = bench.session.statistics.bytesSent
        try bench.session.run(samples: samples) { _ in }
        let s = bench.session.statistics
        let perSample = Double(s.bytesSent - before) / 100
        // per 3072-byte input: a leading 0x00, 3 INPUT frames (type, seq, 9-byte header, 1024 bytes,
        // CRC = 1040 raw; COBS adds at most 5 for 4 full blocks + 1; delimiter) and INFER (12 raw + 2)
        let worst = 1.0 + 3 * (1040 + 5 + 1) + (12 + 1 + 1)
        #expect(worst == 3153)
        #expect(perSample <= worst && perSample > 3072 + 3 * 17 + 14)
        #expect(s.wireBytesPerInputByte < 1.027)                  // MLPerf Tiny's runner: ~2.13
    }
}
