import Testing
@testable import Deployer

/// A device, a virtual line and a host session, ready to stream.
final class Bench {
    let link: VirtualLink
    let session: HarnessSession
    let model: [UInt8]
    lazy var reference = Reference(blob: model)

    init(model: [UInt8] = TestModel.blob(), device config: SimulatedDevice.Config = .init(),
         hostToDevice: FaultPlan = .none, deviceToHost: FaultPlan = .none, seed: UInt64 = 1,
         options: HarnessOptions = .testing) {
        let device = SimulatedDevice(model: model, config: config)
        link = VirtualLink(device: device, hostToDevice: hostToDevice, deviceToHost: deviceToHost, seed: seed)
        session = HarnessSession(link: link, options: options)
        self.model = model
    }

    /// Streams `samples` and returns the results in the order they came.
    func stream(_ samples: [(id: Int, input: [UInt8])], baud: UInt32? = nil) throws -> [SampleResult] {
        try session.waitForHello()
        if let baud { try session.switchBaud(to: baud) { [link] in link.retuneHost($0) } }
        var results: [SampleResult] = []
        try session.run(samples: samples) { results.append($0) }
        return results
    }

    /// Every sample has exactly one result, and it is what the runtime computes for that sample's
    /// own input.
    func expectExactlyOneCorrectResult(_ results: [SampleResult], for samples: [(id: Int, input: [UInt8])],
                                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(results.count == samples.count, sourceLocation: sourceLocation)
        #expect(Set(results.map(\.id)).count == results.count, "a sample got two results", sourceLocation: sourceLocation)
        let inputs = Dictionary(uniqueKeysWithValues: samples.map { ($0.id, $0.input) })
        var wrong = 0
        for r in results {
            guard let input = inputs[r.id] else { wrong += 1; continue }
            let scores = reference.scores(input)
            if r.scores != scores || r.predictedClass != reference.predictedClass(scores)
                || r.label != TestModel.labels[r.predictedClass] {
                wrong += 1
            }
        }
        #expect(wrong == 0, "\(wrong) results do not belong to their sample", sourceLocation: sourceLocation)
    }
}

extension HarnessOptions {
    /// Virtual time costs nothing, but a test that hangs costs a lot: keep retries bounded.
    static var testing: HarnessOptions {
        var o = HarnessOptions()
        o.firstWireID = 0xFFFF_FFF0                              // wraps during every long run
        return o
    }
}
