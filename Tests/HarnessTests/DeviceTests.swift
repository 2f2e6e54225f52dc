import CHarness
import CHilRuntime
import Testing
@testable import Deployer

@Suite struct DeviceHelloTests {
    @Test func helloAtBootCarriesEverything() throws {
        var config = SimulatedDevice.Config()
        config.cacheFlags = 7
        let console = DeviceConsole(config: config)
        let messages = console.take()
        guard var hello = messages.first?.helloInfo else { Issue.record("no HELLO at boot"); return }
        let blob = TestModel.blob()
        var hash = [UInt8](repeating: 0, count: 32)
        hil_sha256(blob, blob.count, &hash)
        #expect(hello.protocolVersion == 2)
        #expect(hello.reason == .boot)
        #expect(hello.ref == 0xFFFF)
        #expect(hello.bootID == console.device.bootID)
        #expect(hello.modelState == .ready)
        #expect(hello.modelLoadStatus == 0)
        #expect(hello.timer == .estimated)
        #expect(hello.cacheFlags == [.instructionCache, .dataCache, .artAccelerator])
        #expect(hello.coreClockHz == 216_000_000)
        #expect(hello.currentBaud == 115_200)
        #expect(hello.bootBaud == 115_200)
        #expect(hello.maxBaud == 2_000_000)
        #expect(hello.inputBufferSize == 4096)
        #expect(hello.inputBufferCount == 2)
        #expect(hello.inputDType == 1)
        #expect(hello.maxPayload == 1033)
        #expect(hello.inputShape == InputShape(height: 32, width: 32, channels: 3))
        #expect(hello.classCount == 29)
        let figures = TestModel.figures(blob)
        #expect(hello.inputScale == figures.input_scale && hello.inputZeroPoint == figures.input_zero_point)
        #expect(hello.outputScale == figures.output_scale && hello.outputZeroPoint == figures.output_zero_point)
        #expect(hello.arenaBytes == figures.arena_bytes)
        #expect(hello.modelSize == UInt32(blob.count))
        #expect(hello.modelHash == hash)
        #expect(hello.modelMACs == figures.macs && figures.macs == 3072 * 29)
        #expect(hello.board == "mock-f746")
        #expect(hello.buildID == "test-build-1")
        #expect(hello.modelName == "asl-vgg-pruned")
        // labels follow in LABELS frames
        for case let .labels(first, labels) in messages.dropFirst() {
            #expect(first == hello.labels.count)
            hello.labels += labels
        }
        #expect(hello.labels == TestModel.labels)
    }

    @Test func helloOnRequestAnswersTheRequest() {
        let console = DeviceConsole()
        _ = console.take()
        _ = console.send(.ping)
        let answer = console.send(.helloRequest)
        #expect(answer.first?.helloInfo?.reason == .request)
        #expect(answer.first?.helloInfo?.ref == 1)
    }

    @Test func manyLongLabelsSpreadOverSeveralFrames() {
        let labels = (0..<400).map { "class-\($0)-" + String(repeating: "x", count: $0 % 40) }
        let console = DeviceConsole(model: TestModel.blob(labels: labels))
        var got: [String] = []
        let messages = console.take()
        for case let .labels(first, part) in messages { #expect(first == got.count); got += part }
        #expect(got == labels)
        #expect(messages.count > 3)
    }

    @Test(arguments: [
        (nil, ModelState.empty),
        ([0xFF, 0xFF, 0xFF, 0xFF], .empty),
        ([0x12, 0x34, 0x56, 0x78, 0x9A], .corrupt),
    ] as [([UInt8]?, ModelState)])
    func modelStatesWithoutAModel(region: [UInt8]?, state: ModelState) {
        let console = DeviceConsole(model: region)
        let hello = console.take().first?.helloInfo
        #expect(hello?.modelState == state)
        #expect(hello?.classCount == 0)
        #expect(hello?.modelHash == [UInt8](repeating: 0, count: 32))
    }

    @Test func corruptAndTooBigModels() {
        var blob = TestModel.blob()
        blob[30] ^= 0x01                                         // breaks its CRC
        #expect(DeviceConsole(model: blob).take().first?.helloInfo?.modelState == .corrupt)
        let bigBlob = TestModel.blob(arenaBytes: 1 << 20)
        let big = DeviceConsole(model: bigBlob).take().first?.helloInfo
        #expect(big?.modelState == .tooBig)
        #expect(big?.arenaBytes == TestModel.figures(bigBlob).arena_bytes)   // says how big, so the user knows why
        #expect(TestModel.figures(bigBlob).arena_bytes >= 1 << 20)
        let wide = DeviceConsole(model: TestModel.blob(height: 64, width: 64)).take().first?.helloInfo
        #expect(wide?.modelState == .tooBig)
    }
}

@Suite struct DeviceRequestTests {
    let input = distinctInputs(1)[0].input

    @Test func aCompleteSampleGivesOneResult() throws {
        let console = DeviceConsole()
        _ = console.take()
        let replies = console.upload(input, sample: 77, slot: 1)
        let results = replies.compactMap(\.result)
        #expect(results.count == 1)
        let r = try #require(results.first)
        let reference = Reference(blob: TestModel.blob())
        #expect(r.sample == 77 && r.slot == 1 && r.bootID == console.device.bootID)
        #expect(r.scores == reference.scores(input))
        #expect(Int(r.predictedClass) == reference.predictedClass(r.scores))
        #expect(r.inputCRC == CRC32.checksum(input))
        #expect(r.cycles == 2_160_000)
        #expect(replies.count == 1)                              // nothing else: no ACK per chunk
    }

    @Test func inputToAnErasedRegionIsRefusedWithNoModel() {
        let console = DeviceConsole(model: nil)
        _ = console.take()
        let replies = console.upload(input, sample: 5)
        let errors = replies.compactMap(\.error)
        #expect(errors.count == 1)                               // one per sample, not one per chunk
        #expect(errors.first?.code == .noModel)
        #expect(errors.first?.sample == 5)
        #expect(errors.first?.value == UInt32(HIL_MODEL_EMPTY.rawValue))
        #expect(errors.first?.text == "no model")
        #expect(replies.compactMap(\.result).isEmpty)
        #expect(console.device.counters.inferences == 0)
    }

    @Test func aGapGetsOneNAKPerPass() {
        let console = DeviceConsole()
        _ = console.take()
        _ = console.send(.input(slot: 0, sample: 9, offset: 0, data: Array(input[0..<1024])))
        let nak = console.send(.input(slot: 0, sample: 9, offset: 2048, data: Array(input[2048...])))
        #expect(nak == [.nak(ref: 1, slot: 0, sample: 9, offset: 1024)])
        #expect(console.send(.input(slot: 0, sample: 9, offset: 2500, data: [1])).isEmpty)   // same pass: quiet
        let incomplete = console.send(.infer(slot: 0, sample: 9)).first?.error
        #expect(incomplete?.code == .inputIncomplete && incomplete?.value == 1024 && incomplete?.ref == 3)
        // a new pass that loses its first chunk again is told again
        #expect(console.send(.input(slot: 0, sample: 9, offset: 2048, data: Array(input[2048...]))).count == 1)
        _ = console.send(.input(slot: 0, sample: 9, offset: 1024, data: Array(input[1024..<2048])))
        _ = console.send(.input(slot: 0, sample: 9, offset: 2048, data: Array(input[2048...])))
        let result = console.send(.infer(slot: 0, sample: 9)).first?.result
        #expect(result?.inputCRC == CRC32.checksum(input))
    }

    @Test func duplicatesAndStrayRequestsAreAnswered() {
        let console = DeviceConsole()
        _ = console.take()
        #expect(console.send(.infer(slot: 0, sample: 3)).first?.error?.code == .unknownSample)
        #expect(console.send(.input(slot: 2, sample: 3, offset: 0, data: [1])).first?.error?.code == .badPayload)
        #expect(console.send(.input(slot: 0, sample: 3, offset: 3072, data: [1])).first?.error?.code == .inputRange)
        let unknown = console.send(raw: Frame(type: 0x42, seq: 99).wireBytes).first?.error
        #expect(unknown?.code == .unknownType && unknown?.value == 0x42 && unknown?.ref == 99)
        // a chunk sent twice changes nothing
        _ = console.send(.input(slot: 0, sample: 3, offset: 0, data: Array(input[0..<1024])))
        #expect(console.send(.input(slot: 0, sample: 3, offset: 0, data: Array(input[0..<1024]))).isEmpty)
    }

    @Test func aQueuedSlotIsBusyForOtherSamples() {
        let console = DeviceConsole()
        _ = console.take()
        // fill and queue slot 0 without letting the device step: it stays queued
        var bytes: [UInt8] = []
        var seq: UInt16 = 0
        let chunks: [HostMessage] = stride(from: 0, to: 3072, by: 1024).map {
            .input(slot: 0, sample: 1, offset: UInt32($0), data: Array(input[$0..<$0 + 1024]))
        }
        for m in chunks + [.infer(slot: 0, sample: 1), .input(slot: 0, sample: 2, offset: 0, data: [1]), .ping] {
            bytes += m.frame(seq: seq).wireBytes
            seq += 1
        }
        console.device.receive(bytes)
        let replies = console.settle()
        let busy = replies.compactMap(\.error).first
        #expect(busy?.code == .busy && busy?.sample == 2 && busy?.value == 1)
        let status = replies.compactMap(\.status).first
        #expect(status?.slots[0] == DeviceStatus.Slot(state: .queued, sample: 1, received: 3072))
        #expect(replies.compactMap(\.result).first?.sample == 1)   // replies first, then the inference
    }

    @Test func badFramesAreCountedAndReportedOnce() {
        let console = DeviceConsole()
        _ = console.take()
        var raw = HostMessage.ping.frame(seq: 0).rawBytes
        raw[4] ^= 0x40                                            // in the CRC: COBS stays intact
        let bad = COBS.encode(raw) + [0]
        let garbage: [UInt8] = [0x05, 0x99, 0x00, 0x33, 0x00] + bad + bad
        let replies = console.send(.ping, raw: garbage)
        let report = replies.compactMap(\.error).first
        #expect(report?.code == .badFrame && report?.value == 4 && report?.ref == nil)
        let c = console.device.counters
        #expect(c.rx_crc_errors == 2 && c.rx_framing_errors == 2)
        #expect(replies.compactMap(\.status).count == 1)          // the good PING still got through
    }

    @Test func zerosInsidePayloadsAndFullBlocksDecodeOnTheDevice() {
        let console = DeviceConsole()
        _ = console.take()
        let zeros = [UInt8](repeating: 0, count: 3072)
        var replies = console.upload(zeros, sample: 0, chunk: 1024)
        #expect(replies.compactMap(\.result).first?.inputCRC == CRC32.checksum(zeros))
        let noZeros = [UInt8](repeating: 0x7F, count: 3072)
        replies = console.upload(noZeros, sample: 0x0100_0000, slot: 1, chunk: 254)
        #expect(replies.compactMap(\.result).first?.inputCRC == CRC32.checksum(noZeros))
    }

    @Test func anOversizeFrameIsDroppedAndTheNextOneWorks() {
        let console = DeviceConsole()
        _ = console.take()
        let huge = HostMessage.input(slot: 0, sample: 1, offset: 0, data: [UInt8](repeating: 1, count: 2000)).frame(seq: 0)
        let replies = console.send(.ping, raw: huge.wireBytes)
        #expect(console.device.counters.rx_oversize == 1)
        #expect(replies.compactMap(\.status).count == 1)
    }
}
