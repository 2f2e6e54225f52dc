import Testing
@testable import Deployer

@Suite struct SessionTests {
    @Test func helloRoundTripThroughTheSession() throws {
        let bench = Bench()
        let hello = try bench.session.waitForHello()
        #expect(hello.labels == TestModel.labels)
        #expect(hello.modelState == .ready)
        #expect(hello.bootID == bench.link.device.bootID)
        #expect(hello.inputByteCount == 3072)
        #expect(bench.session.baud == 115_200)
    }

    @Test func streamsTwoHundredSamplesCleanly() throws {
        let bench = Bench()
        let samples = distinctInputs(200)
        let results = try bench.stream(samples)
        bench.expectExactlyOneCorrectResult(results, for: samples)
        let s = bench.session.statistics
        #expect(s.retries == 0 && s.crcErrors == 0 && s.droppedResults == 0 && s.reboots == 0)
        #expect(s.maxInFlight == 2)
        #expect(results.allSatisfy { $0.cycles == 2_160_000 && $0.timer == .estimated && $0.latency == .milliseconds(10) })
        #expect(results.map(\.id) == samples.map(\.id))           // without faults, in order
    }

    @Test func refusesToRunWithoutAModel() throws {
        let bench = Bench(model: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: HarnessError.noModel(.empty)) {
            try bench.stream(distinctInputs(2))
        }
        #expect(bench.link.device.counters.inferences == 0)
    }

    @Test func aSampleOfTheWrongSizeIsNamed() throws {
        let bench = Bench()
        #expect(throws: HarnessError.inputSize(sampleID: 7, expected: 3072, got: 100)) {
            try bench.stream([(id: 7, input: [UInt8](repeating: 0, count: 100))])
        }
    }
}
