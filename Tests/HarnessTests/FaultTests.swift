import Testing
@testable import Deployer

/// Every fault, in each direction, during a 200-sample stream: every sample must get exactly one
/// result, computed over its own bytes.
@Suite struct FaultTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var up = FaultPlan.none          // host to device
        var down = FaultPlan.none        // device to host
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "bit flips up", up: FaultPlan(bitErrorRate: 2e-5)),
        Case(name: "bit flips down", down: FaultPlan(bitErrorRate: 5e-4)),
        Case(name: "dropped bytes up", up: FaultPlan(dropRate: 1e-4)),
        Case(name: "dropped bytes down", down: FaultPlan(dropRate: 3e-3)),
        Case(name: "garbage up", up: FaultPlan(garbageRate: 1e-4)),
        Case(name: "garbage down", down: FaultPlan(garbageRate: 3e-3)),
        Case(name: "everything both ways", up: FaultPlan(bitErrorRate: 1e-5, dropRate: 5e-5, garbageRate: 5e-5),
             down: FaultPlan(bitErrorRate: 2e-4, dropRate: 1e-3, garbageRate: 1e-3)),
    ]

    @Test(arguments: cases)
    func recoversFromLineFaults(_ c: Case) throws {
        let bench = Bench(hostToDevice: c.up, deviceToHost: c.down, seed: 11)
        let samples = distinctInputs(200)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        let s = bench.session.statistics
        let injected = bench.link.hostToDevice.flips + bench.link.hostToDevice.drops + bench.link.hostToDevice.garbageBytes
            + bench.link.deviceToHost.flips + bench.link.deviceToHost.drops + bench.link.deviceToHost.garbageBytes
        #expect(injected > 0)
        #expect(s.retries > 0 || s.crcErrors + s.framingErrors > 0, "the faults went unnoticed")
        #expect(s.maxInFlight <= 2)
    }

    @Test func recoversFromAStalledDevice() throws {
        let bench = Bench()
        bench.link.stalls = [(from: 10, until: 13)]              // deaf and mute for 3 s mid-stream
        let samples = distinctInputs(200)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        let s = bench.session.statistics
        #expect(s.stalls >= 1 && s.pings >= 1 && s.retries >= 1)
    }

    @Test func recoversFromRebootsMidStream() throws {
        let bench = Bench()
        bench.link.reboots = [9.0, 9.3, 30.0]                    // two in quick succession, one later
        let samples = distinctInputs(200)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        #expect(bench.link.rebootCount == 3)
        #expect(bench.session.statistics.reboots == 3)
        // results from the first boot, the last, and the one that lasted long enough to finish any
        #expect(Set(results.map(\.bootID)).count >= 3)
        #expect(results.last?.bootID == bench.link.device.bootID)
    }

    @Test func recoversFromARebootAfterABaudSwitch() throws {
        let bench = Bench()
        bench.link.reboots = [3.0]                               // back at 115200 while the host is at 921600
        let samples = distinctInputs(200)
        let results = try bench.stream(samples, baud: 921_600)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        let s = bench.session.statistics
        #expect(s.reboots == 1)
        #expect(s.baudSwitches == 2)                             // switched again after the reboot
        #expect(bench.link.hostBaud == 921_600 && bench.link.deviceBaud(at: .infinity) == 921_600)
    }

    @Test func recoversFromAStallWithFaultsBothWaysAtASwitchedRate() throws {
        let bench = Bench(hostToDevice: FaultPlan(bitErrorRate: 1e-5, garbageRate: 2e-5),
                          deviceToHost: FaultPlan(bitErrorRate: 1e-4, dropRate: 5e-4), seed: 5)
        bench.link.stalls = [(from: 2, until: 3.5)]
        bench.link.reboots = [5.0]
        let samples = distinctInputs(200)
        let results = try bench.stream(samples, baud: 2_000_000)
        bench.expectExactlyOneCorrectResult(results, for: samples)
    }

    @Test func givesUpWithAClearErrorWhenNothingGetsThrough() throws {
        let bench = Bench()
        try bench.session.waitForHello()
        bench.link.hostToDevice.plan = FaultPlan(dropRate: 1)    // the cable is cut
        #expect(throws: HarnessError.linkDead(unansweredPings: 10)) {
            try bench.session.run(samples: distinctInputs(3)) { _ in }
        }
    }

    /// About one byte in 400 broken upward: nearly every 1 KB INPUT frame arrives damaged, short ones
    /// mostly do not. The session shrinks its chunks and finishes; held at full size, it gives up.
    @Test func aNoisyLineShrinksTheChunksInsteadOfGivingUp() throws {
        let noisy = FaultPlan(bitErrorRate: 3e-4)
        let samples = distinctInputs(24)
        let shrinking = Bench(hostToDevice: noisy, seed: 5)
        bench(shrinking, completes: samples)

        var fixed = HarnessOptions.testing
        fixed.smallestChunk = .max
        let held = Bench(hostToDevice: noisy, seed: 5, options: fixed)
        #expect(throws: HarnessError.self, "full-size chunks on this line should run out of retries") {
            _ = try held.stream(samples)
        }
    }

    private func bench(_ bench: Bench, completes samples: [(id: Int, input: [UInt8])]) {
        do {
            let results = try bench.stream(samples)
            bench.expectExactlyOneCorrectResult(results, for: samples)
        } catch { Issue.record("the noisy line was not ridden out: \(error)") }
    }

    @Test func givesUpAfterBoundedRetriesOnAHopelessLine() throws {
        var options = HarnessOptions.testing
        options.maxRetriesPerSample = 3
        let bench = Bench(options: options)
        try bench.session.waitForHello()
        bench.link.hostToDevice.plan = FaultPlan(bitErrorRate: 2e-3)   // most INPUT frames arrive broken
        do {
            try bench.session.run(samples: distinctInputs(20)) { _ in }
            Issue.record("a hopeless line went unnoticed")
        } catch let error as HarnessError {
            guard case .tooManyRetries(_, let retries) = error else { Issue.record("\(error)"); return }
            #expect(retries == 3)
            #expect(error.description.contains("resent 3 times in a row"))
        }
    }
}

/// Everything at once, drawn from a seed: faults both ways (up to ~20 % of 1 KB frames damaged),
/// a stall of up to 3 s, two resets, a baud switch on two runs in three, slow inference on half.
@Suite struct FaultMixTests {
    @Test(arguments: 1...12)
    func recoversFromARandomMixOfEverything(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &* 7919)
        let up = FaultPlan(bitErrorRate: rng.unit() * 2e-5, dropRate: rng.unit() * 5e-5, garbageRate: rng.unit() * 5e-5)
        let down = FaultPlan(bitErrorRate: rng.unit() * 2.5e-4, dropRate: rng.unit() * 1.5e-3, garbageRate: rng.unit() * 1.5e-3)
        var config = SimulatedDevice.Config()
        config.inferenceCycles = seed % 2 == 0 ? 2_160_000 : 32_400_000
        let bench = Bench(device: config, hostToDevice: up, deviceToHost: down, seed: UInt64(seed))
        let stallStart = 1 + rng.unit() * 5
        bench.link.stalls = [(from: stallStart, until: stallStart + rng.unit() * 3)]
        bench.link.reboots = [2 + rng.unit() * 6, 2 + rng.unit() * 6].sorted()
        let samples = distinctInputs(60, seed: UInt64(seed))
        let baud: UInt32? = seed % 3 == 0 ? nil : (seed % 3 == 1 ? 921_600 : 2_000_000)
        let results = try bench.stream(samples, baud: baud)
        bench.expectExactlyOneCorrectResult(results, for: samples)
    }
}
