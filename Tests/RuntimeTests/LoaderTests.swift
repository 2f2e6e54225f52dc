import CHilRuntime
import Testing

/// What the loader refuses, and with which status. Edits inside the CRC-covered part are followed
/// by a CRC fix-up, so they reach the check they aim at.
@Suite struct LoaderTests {
    static let tiny = Models.tiny().build()
    static let residual = Models.chainedResiduals().build()

    // Offsets inside a layer record (docs/model-format.md).
    static let op = 0, act = 1, actMin = 2, actMax = 3, len = 4, inH = 8, outH = 14, outC = 18, outZp = 20,
               outOfs = 24, params = 28

    /// Applies `edit`, fixes the CRC and loads.
    func load(_ blob: ModelBlob, _ edit: (inout [UInt8]) -> Void) -> hil_status {
        var bytes = blob.bytes
        edit(&bytes)
        ModelBlob.fixCRC(&bytes)
        return Runtime.load(bytes)
    }

    @Test func validModelLoadsWithItsFields() {
        Runtime.withModel(Self.tiny.bytes) { status, m in
            #expect(status == HIL_OK)
            #expect(String(decoding: UnsafeRawBufferPointer(start: m.name, count: Int(m.name_len)), as: UTF8.self) == "tiny")
            #expect([m.input_h, m.input_w, m.input_c] == [8, 8, 3])
            #expect(m.input_scale == 0.02 && m.input_zero_point == -4)
            #expect(m.output_scale == Models.tiny().layers.last!.outScale)
            #expect(m.output_zero_point == Models.tiny().layers.last!.outZeroPoint)
            #expect(m.class_count == 5 && m.layer_count == 4)
            #expect((0..<5).map { Runtime.label(m, $0) } == ["c0", "c1", "c2", "c3", "c4"])
            #expect(Runtime.label(m, 5) == nil)
            #expect(Runtime.layerInfo(m, 4) == nil)
        }
    }

    @Test func everyTruncationIsTruncated() {
        let bytes = Self.tiny.bytes
        for n in 0..<bytes.count {
            let status = Runtime.load(Array(bytes.prefix(n)))
            #expect(status == HIL_ERR_TRUNCATED, "\(n) bytes: \(status)")
        }
    }

    /// The harness hands over its whole model region; what follows total_size is not the model's.
    @Test func aLongerRegionLoadsTheBlobAlone() {
        for fill: UInt8 in [0xFF, 0x00, 0x5A] {
            Runtime.withModel(Self.tiny.bytes + [UInt8](repeating: fill, count: 4096)) { status, m in
                #expect(status == HIL_OK)
                #expect(m.size == UInt32(Self.tiny.bytes.count))
            }
        }
    }

    @Test func everyCorruptByteFailsTheCRC() {
        let bytes = Self.tiny.bytes
        for at in 16..<bytes.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[at] ^= mask
                let status = Runtime.load(damaged)
                #expect(status == HIL_ERR_CRC, "byte \(at) ^ \(mask): \(status)")
            }
        }
    }

    /// Bits of the four fields before the CRC: each flip is caught (and never loads).
    @Test func everyHeaderBitFlipIsRefused() {
        let bytes = Self.tiny.bytes
        for at in 0..<16 {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[at] ^= 1 << bit
                let status = Runtime.load(damaged)
                let expected: Set<UInt32> = switch at {
                case 0..<4: [HIL_ERR_MAGIC.rawValue]
                case 4..<6: [HIL_ERR_VERSION.rawValue]
                case 6..<8: [HIL_ERR_VERSION.rawValue, HIL_ERR_TRUNCATED.rawValue]   // header_size
                case 8..<12: [HIL_ERR_TRUNCATED.rawValue, HIL_ERR_CRC.rawValue]      // total_size
                default: [HIL_ERR_CRC.rawValue]
                }
                #expect(expected.contains(status.rawValue), "byte \(at) bit \(bit): \(status)")
            }
        }
    }

    @Test func notAModel() {
        #expect(Runtime.load([UInt8](repeating: 0xFF, count: 65536)) == HIL_ERR_MAGIC)   // erased flash
        #expect(Runtime.load([UInt8](repeating: 0x00, count: 1024)) == HIL_ERR_MAGIC)
        #expect(Runtime.load(Array("HILN".utf8) + Self.tiny.bytes.dropFirst(4)) == HIL_ERR_MAGIC)
        #expect(Runtime.load([0x48, 0x49, 0x4C]) == HIL_ERR_TRUNCATED)                   // "HIL"
        #expect(Runtime.load([]) == HIL_ERR_TRUNCATED)
        var m = hil_model()
        #expect(hil_model_load(&m, nil, 100) == HIL_ERR_ARGUMENT)
        #expect(Self.tiny.bytes.withUnsafeBufferPointer { hil_model_load(nil, $0.baseAddress, UInt32($0.count)) } == HIL_ERR_ARGUMENT)
    }

    @Test func versionAndHeaderSize() {
        var bytes = Self.tiny.bytes
        bytes.put16(4, 2)
        #expect(Runtime.load(bytes) == HIL_ERR_VERSION)
        bytes.put16(4, 0)
        #expect(Runtime.load(bytes) == HIL_ERR_VERSION)
        bytes = Self.tiny.bytes
        bytes.put16(6, 68)                 // shorter than a version-1 header
        #expect(Runtime.load(bytes) == HIL_ERR_VERSION)
        bytes.put16(6, 74)                 // not a multiple of 4
        #expect(Runtime.load(bytes) == HIL_ERR_VERSION)
        bytes.put16(6, 76)                 // longer: then the name (at 72) would sit inside it
        #expect(Runtime.load(bytes) == HIL_ERR_TRUNCATED)
    }

    @Test func sectionsOutOfPlace() {
        let t = Self.tiny
        #expect(load(t) { $0.put32(60, 68) } == HIL_ERR_TRUNCATED)          // name inside the header
        #expect(load(t) { $0.put16(58, 30) } == HIL_ERR_TRUNCATED)          // name runs into the labels
        #expect(load(t) { $0.put16(76, 200) } == HIL_ERR_TRUNCATED)         // first label runs past the section
        #expect(load(t) { $0.put32(68, 98) } == HIL_ERR_TRUNCATED)          // layers not 4-aligned
        #expect(load(t) { $0.put32(68, 4000) } == HIL_ERR_TRUNCATED)        // layers beyond the blob
        #expect(load(t) { $0.put32(64, 100) } == HIL_ERR_TRUNCATED)         // labels after the layers
    }

    @Test func headerFields() {
        let t = Self.tiny
        #expect(load(t) { $0.put32(40, 0) } == HIL_ERR_LAYER)                           // input scale 0
        #expect(load(t) { $0.put32(40, Float.nan.bitPattern) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(48, (-1.0 as Float).bitPattern) } == HIL_ERR_LAYER)   // output scale < 0
        #expect(load(t) { $0.put32(48, Float.infinity.bitPattern) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(44, 128) } == HIL_ERR_LAYER)                         // input zero point
        #expect(load(t) { $0.put32(52, UInt32(bitPattern: -129)) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(52, $0.get32(52) &+ 1) } == HIL_ERR_LAYER)           // not the last layer's zp
        #expect(load(t) { $0.put16(32, 0) } == HIL_ERR_SHAPE)                           // input height 0
        #expect(load(t) { $0.put16(32, 9) } == HIL_ERR_SHAPE)                           // first layer reads 8x8x3
        #expect(load(t) { $0.put16(56, 0) } == HIL_ERR_LAYER)                           // no layers
        #expect(load(t) { $0.put16(56, 3) } == HIL_ERR_LAYER)                           // bytes after the last record
        #expect(load(t) { $0.put16(56, 5) } == HIL_ERR_TRUNCATED)                       // a fifth record past the end
        #expect(load(t) { $0.put16(56, 2000) } == HIL_ERR_LAYER)                        // over HIL_MAX_LAYERS
    }

    /// The summary figures are the writer's; the loader recomputes and compares them.
    @Test func summaryFiguresMustAgree() {
        let t = Self.tiny
        #expect(load(t) { $0.put32(16, 324) } == HIL_ERR_LAYER)    // arena_bytes
        #expect(load(t) { $0.put32(16, 316) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(20, 574) } == HIL_ERR_LAYER)    // params
        #expect(load(t) { $0.put32(24, 8225) } == HIL_ERR_LAYER)   // MACs (low word)
        #expect(load(t) { $0.put32(28, 1) } == HIL_ERR_LAYER)      // MACs (high word)
    }

    @Test func layerRecords() {
        let t = Self.tiny, r0 = t.recordOffsets[0], r1 = t.recordOffsets[1], r2 = t.recordOffsets[2], r3 = t.recordOffsets[3]
        for op: UInt8 in [0, 8, 0x7F, 0xFF] {
            #expect(load(t) { $0[r1 + Self.op] = op } == HIL_ERR_LAYER, "op \(op)")
        }
        #expect(load(t) { $0.put32(r0 + Self.len, $0.get32(r0 + Self.len) + 4) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(r1 + Self.len, 32) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(r3 + Self.len, 0xFFFF_FFFC) } == HIL_ERR_LAYER)
        // Shapes: an input that is not the previous output; an output the window does not give.
        #expect(load(t) { $0.put16(r1 + Self.inH, 4) } == HIL_ERR_SHAPE)
        #expect(load(t) { $0.put16(r2 + Self.outH, 3) } == HIL_ERR_SHAPE)
        #expect(load(t) { $0.put16(r1 + Self.outC, 5) } == HIL_ERR_SHAPE)                  // pool changes channels
        #expect(load(t) { $0.put16(r1 + Self.outH, 0) } == HIL_ERR_SHAPE)
        // Activation and clamps.
        #expect(load(t) { $0[r0 + Self.act] = 3 } == HIL_ERR_LAYER)
        #expect(load(t) { $0[r0 + Self.actMin] = 0x80 } == HIL_ERR_LAYER)                  // ReLU must clamp at the zp
        #expect(load(t) { $0[r2 + Self.actMax] = 100 } == HIL_ERR_LAYER)                   // none clamps at 127
        #expect(load(t) { $0.put32(r2 + Self.outZp, 128) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(r1 + Self.outZp, $0.get32(r1 + Self.outZp) &+ 1) } == HIL_ERR_LAYER) // pool rescaled
        // Window parameters: zero stride, padding as wide as the kernel, conv's multiplier byte, reserved.
        #expect(load(t) { $0[r1 + Self.params + 2] = 0 } == HIL_ERR_LAYER)
        #expect(load(t) { $0[r1 + Self.params + 4] = 2 } == HIL_ERR_LAYER)
        #expect(load(t) { $0[r0 + Self.params + 8] = 2 } == HIL_ERR_LAYER)
        #expect(load(t) { $0[r0 + Self.params + 10] = 1 } == HIL_ERR_LAYER)
        // Arrays of layer 0 (4 channels): bias, multiplier, shift ranges, zero padding after the weights.
        let bias = r0 + 40, mult = bias + 16, shift = mult + 16
        #expect(load(t) { $0.put32(bias + 4, 0x4000_0001) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(bias, UInt32(bitPattern: -0x4000_0001)) } == HIL_ERR_LAYER)
        #expect(load(t) { $0.put32(bias, 0x4000_0000) } == HIL_OK)
        #expect(load(t) { $0.put32(mult + 8, 0x8000_0000) } == HIL_ERR_LAYER)
        #expect(load(t) { $0[shift + 3] = 31 } == HIL_ERR_LAYER)
        #expect(load(t) { $0[shift + 3] = UInt8(bitPattern: -32) } == HIL_ERR_LAYER)
        #expect(load(t) { $0[shift + 3] = 30 } == HIL_OK)
        #expect(load(t) { $0[r3 + 28 + 40 + 6] = 1 } == HIL_ERR_LAYER)                      // dense: shift padding
    }

    @Test func finalOutputMustBeTheClassCount() {
        var b = Models.tiny()
        b.labels = ["a", "b", "c", "d"]
        #expect(Runtime.load(b.build().bytes) == HIL_ERR_SHAPE)
    }

    @Test func residualSources() {
        let t = Self.residual, add = t.recordOffsets[9]        // layer 9 adds layer 6
        for source: UInt16 in [9, 10, 11, 0xFFFE] {
            #expect(load(t) { $0.put16(add + Self.params, source) } == HIL_ERR_LAYER, "source \(source)")
        }
        #expect(load(t) { $0.put16(add + Self.params + 2, 1) } == HIL_ERR_LAYER)           // reserved
        #expect(load(t) { $0.put32(add + Self.params + 8, 1) } == HIL_ERR_LAYER)           // input shift > 0
        #expect(load(t) { $0.put32(add + Self.params + 4, 0xFFFF_FFFF) } == HIL_ERR_LAYER) // negative multiplier
        // A source of another shape: layer 1 has 4 channels, layer 9 reads 2.
        #expect(load(t) { $0.put16(add + Self.params, 1) } == HIL_ERR_SHAPE)
        // The model input as the source: also 4x4x2, accepted.
        #expect(load(t) { $0.put16(add + Self.params, 0xFFFF) } == HIL_OK)
    }

    /// Moves layer `layer`'s output to `offset` and sets arena_bytes to what the moved plan spans,
    /// so that only the overlap and lifetime checks can object.
    func moved(_ layer: Int, to offset: UInt32) -> hil_status {
        let b = Models.chainedResiduals(), t = Self.residual
        var offsets = t.outOffsets
        offsets[layer] = offset
        let end = zip(offsets, b.layers).map { Int($0) + $1.output.count }.max()!
        return load(t) {
            $0.put32(t.recordOffsets[layer] + Self.outOfs, offset)
            $0.put32(16, UInt32((end + 3) / 4 * 4))
        }
    }

    @Test func arenaPlanMustKeepTensorsAlive() {
        // Reference plan: [96, 32, 0, 128, 0, 32, 96, 32, 0, 32, 0]; ping 0..32, pong 32..96,
        // slot 0 96..128, slot 1 128..160. Every tensor is 32 bytes but layer 1's (64).
        #expect(moved(1, to: 96) == HIL_ERR_LAYER)     // writes over its own input (layer 0)
        #expect(moved(1, to: 112) == HIL_ERR_LAYER)    // partly
        #expect(moved(2, to: 64) == HIL_ERR_LAYER)     // over its input, layer 1 at 32..96
        // Layer 6, read again by layer 9, moved into the ping region that layer 8 overwrites.
        #expect(moved(6, to: 0) == HIL_ERR_LAYER)
        // Layer 0, read again by layer 3, moved where layer 2 writes.
        #expect(moved(0, to: 0) == HIL_ERR_LAYER)
        // Layer 3 (an add reading layer 0) writing over layer 0 while it reads it.
        #expect(moved(3, to: 96) == HIL_ERR_LAYER)
        // Other plans that keep every tensor alive are accepted: the last layer into slot 1 (its
        // tensor, layer 3, was last read by layer 6), or layer 6 into a fresh region past the end.
        #expect(moved(10, to: 128) == HIL_OK)
        #expect(moved(6, to: 160) == HIL_OK)
        #expect(moved(0, to: 200) == HIL_OK)
        // An output beyond arena_bytes: arena_bytes no longer what the plan spans.
        #expect(load(Self.residual) { $0.put32(Self.residual.recordOffsets[10] + Self.outOfs, 159) } == HIL_ERR_LAYER)
        #expect(load(Self.residual) { $0.put32(Self.residual.recordOffsets[10] + Self.outOfs, 0xFFFF_FFFF) } == HIL_ERR_LAYER)
        // The moved plans run and still give the reference's scores.
        var r = SeededRandom(seed: 77)
        let input = r.int8s(32)
        let expected = Reference.run(Models.chainedResiduals(), input: input).last!
        for (layer, offset) in [(10, 128), (6, 160), (0, 200)] {
            var bytes = Self.residual.bytes
            var offsets = Self.residual.outOffsets
            offsets[layer] = UInt32(offset)
            let end = zip(offsets, Models.chainedResiduals().layers).map { Int($0) + $1.output.count }.max()!
            bytes.put32(Self.residual.recordOffsets[layer] + Self.outOfs, UInt32(offset))
            bytes.put32(16, UInt32((end + 3) / 4 * 4))
            ModelBlob.fixCRC(&bytes)
            let result = Runtime.run(bytes, input: input)
            #expect(result.status == HIL_OK && result.scores == expected && result.guardsIntact)
        }
    }

    @Test func limits() {
        // A dense layer summing more than 32768 products.
        var r = SeededRandom(seed: 5)
        var fc = ModelBuilder(name: "big", input: TensorShape(1, 1, 32769), scale: 0.1, zeroPoint: 0)
        fc.fullyConnected(outputs: 1, weights: r.int8s(32769), bias: [0], weightScales: [0.01], outScale: 1, outZeroPoint: 0)
        #expect(Runtime.load(fc.build().bytes) == HIL_ERR_SHAPE)
        var ok = ModelBuilder(name: "big", input: TensorShape(1, 1, 32768), scale: 0.1, zeroPoint: 0)
        ok.fullyConnected(outputs: 1, weights: r.int8s(32768), bias: [0], weightScales: [0.01], outScale: 1, outZeroPoint: 0)
        #expect(Runtime.load(ok.build().bytes) == HIL_OK)
        // A tensor over 2^22 elements.
        var huge = ModelBuilder(name: "huge", input: TensorShape(2049, 2048, 1), scale: 0.1, zeroPoint: 0)
        huge.globalAvgPool()
        #expect(Runtime.load(huge.build().bytes) == HIL_ERR_SHAPE)
        // A depthwise kernel of 200x200 = 40000 taps.
        var dw = ModelBuilder(name: "dw", input: TensorShape(200, 200, 1), scale: 0.1, zeroPoint: 0)
        dw.append(.depthwise(Window(kernel: (200, 200), stride: (1, 1), padding: .valid, input: TensorShape(200, 200, 1)),
                             depthMultiplier: 1, weights: r.int8s(40000), bias: [0], requant: [Requant(real: 0.001)]),
                  output: TensorShape(1, 1, 1), outScale: 1, outZeroPoint: 0)
        #expect(Runtime.load(dw.build().bytes) == HIL_ERR_SHAPE)
    }

    @Test func invokeChecksItsArguments() {
        Runtime.withModel(Self.tiny.bytes) { status, m in
            #expect(status == HIL_OK)
            let input = [Int8](repeating: 1, count: 192)
            #expect(Runtime.invoke(m, input: input).0 == HIL_OK)
            for size in [0, 1, 100, 319] {
                let (s, _, intact) = Runtime.invoke(m, input: input, arenaSize: size)
                #expect(s == HIL_ERR_ARENA, "arena \(size)")
                #expect(intact)
            }
            #expect(Runtime.invoke(m, input: input, arenaSize: 4096).0 == HIL_OK)
            var model = m, scores = [Int8](repeating: 0, count: 5), arena = [UInt8](repeating: 0, count: 320)
            #expect(hil_invoke(&model, input, nil, 320, &scores) == HIL_ERR_ARGUMENT)
            #expect(hil_invoke(&model, nil, &arena, 320, &scores) == HIL_ERR_ARGUMENT)
            #expect(hil_invoke(&model, input, &arena, 320, nil) == HIL_ERR_ARGUMENT)
            #expect(hil_invoke(nil, input, &arena, 320, &scores) == HIL_ERR_ARGUMENT)
            #expect(hil_model_layer_info(&model, 0, nil) == HIL_ERR_ARGUMENT)
        }
        // A model whose load failed is left empty: invoking it is refused, not run.
        var bytes = Self.tiny.bytes
        bytes[100] ^= 1
        Runtime.withModel(bytes) { status, m in
            #expect(status == HIL_ERR_CRC)
            #expect(m.blob == nil && m.layer_count == 0)
            #expect(Runtime.invoke(m, input: [Int8](repeating: 0, count: 192), arenaSize: 4096).0 == HIL_ERR_ARGUMENT)
        }
    }

    @Test func statusAndOperatorNames() {
        let texts = (0...8).map { String(cString: hil_status_text(hil_status(rawValue: $0))) }
        #expect(Set(texts).count == 9)
        #expect(texts[0] == "ok")
        #expect(String(cString: hil_status_text(hil_status(rawValue: 99))) == "unknown status")
        #expect((1...7).map { String(cString: hil_op_name(UInt8($0))) } ==
                ["conv2d", "depthwise_conv2d", "max_pool", "avg_pool", "global_avg_pool", "fully_connected", "add"])
        #expect(String(cString: hil_op_name(0)) == "unknown")
        #expect((0...3).map { String(cString: hil_activation_name(UInt8($0))) } == ["none", "relu", "relu6", "unknown"])
    }
}
