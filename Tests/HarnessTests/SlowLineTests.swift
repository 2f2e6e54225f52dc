import Testing
@testable import Deployer

@Suite struct SlowLineTests {
    @Test func aSlowLineIsNotTakenForADeadOne() throws {
        var config = SimulatedDevice.Config()
        config.bootBaud = 9_600                                   // 3.3 s per upload, 6.6 s queued
        let bench = Bench(device: config)
        let samples = distinctInputs(6)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        #expect(bench.session.statistics.retries == 0)
    }

    @Test func aResultFromAnUnannouncedBootMakesTheHostAskWhoIsThere() throws {
        // the reboot's HELLO is lost on the way up; the first sign is a RESULT with a new boot id
        let bench = Bench(deviceToHost: FaultPlan(dropRate: 1, from: 5.0, until: 5.05))
        bench.link.reboots = [5.0]
        let samples = distinctInputs(60)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        #expect(bench.session.statistics.reboots == 1)
        #expect(bench.session.statistics.stalls == 0)             // no need to wait for silence
    }
}
