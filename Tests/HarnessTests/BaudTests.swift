import Testing
@testable import Deployer

@Suite struct BaudTests {
    @Test func switchesBothEndsAndStreamsFaster() throws {
        let slow = Bench()
        let samples = distinctInputs(20)
        _ = try slow.stream(samples)
        let fast = Bench()
        var asked: [UInt32] = []
        try fast.session.waitForHello()
        try fast.session.switchBaud(to: 921_600) { asked.append($0); fast.link.retuneHost($0) }
        #expect(asked == [921_600])
        #expect(fast.session.baud == 921_600)
        #expect(fast.link.deviceBaud(at: .infinity) == 921_600)
        #expect(try fast.session.ping().currentBaud == 921_600)
        var results: [SampleResult] = []
        let start = fast.link.now
        try fast.session.run(samples: samples) { results.append($0) }
        fast.expectExactlyOneCorrectResult(results, for: samples)
        #expect((fast.link.now - start) * 6 < slow.link.now)     // 8x the rate, a little less in time
        #expect(fast.session.statistics.baudSwitches == 1)
    }

    @Test func aRateAboveTheMaximumIsRefusedAndNothingChanges() throws {
        let bench = Bench()
        try bench.session.waitForHello()
        var asked: [UInt32] = []
        #expect(throws: HarnessError.baudRefused(requested: 3_000_000, maximum: 2_000_000)) {
            try bench.session.switchBaud(to: 3_000_000) { asked.append($0) }
        }
        #expect(asked.isEmpty)
        #expect(bench.session.baud == 115_200 && bench.link.deviceBaud(at: .infinity) == 115_200)
        #expect(try bench.session.ping().currentBaud == 115_200)
    }

    @Test func aRateTheDeviceCannotMakeEndsBackAtTheOldRate() throws {
        var config = SimulatedDevice.Config()
        config.possibleBauds = [115_200, 921_600]                // the divider cannot make 1 Mbaud
        let bench = Bench(device: config)
        try bench.session.waitForHello()
        // The device ACKs (the rate is under its maximum), then its UART refuses and it sends
        // ERROR at the old rate. A host that reads both before retuning knows it was refused; one
        // that already moved finds no answer, comes back and says the switch failed.
        do {
            try bench.session.switchBaud(to: 1_000_000) { bench.link.retuneHost($0) }
            Issue.record("an impossible rate was taken")
        } catch let error as HarnessError {
            #expect(error == .baudRefused(requested: 1_000_000, maximum: 2_000_000)
                || error == .baudSwitchFailed(requested: 1_000_000, current: 115_200))
        }
        #expect(bench.link.hostBaud == 115_200)
        let samples = distinctInputs(4)
        var results: [SampleResult] = []
        try bench.session.run(samples: samples) { results.append($0) }
        bench.expectExactlyOneCorrectResult(results, for: samples)
    }

    @Test func aHostThatCannotFollowFindsTheDeviceRevertedAfterHalfASecond() throws {
        let bench = Bench()
        try bench.session.waitForHello()
        // the adapter accepts the call but stays at 115200
        #expect(throws: HarnessError.baudSwitchFailed(requested: 921_600, current: 115_200)) {
            try bench.session.switchBaud(to: 921_600) { _ in }
        }
        #expect(bench.link.device.counters.baud_reverts == 1)
        #expect(bench.link.deviceBaud(at: .infinity) == 115_200)
        #expect(try bench.session.ping().currentBaud == 115_200)
    }
}
