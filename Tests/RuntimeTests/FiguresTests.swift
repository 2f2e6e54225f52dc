import CHilRuntime
import Testing

/// Blob size, parameters, MACs, flash bytes of arrays and the arena plan of known networks, each
/// worked out by hand; the writer's figures, the header's and the runtime's must all agree.
@Suite struct FiguresTests {
    @Test func tinyNet() {
        // Blob: header 72; name "tiny" 4 -> 76; labels 5 x (2 + 2) = 20 -> 96 (already aligned).
        // Records: conv 3x3x3->4: 40 + bias 16 + mult 16 + shift 4 + weights 108 = 184;
        //          max pool: 36; conv 3x3x4->8: 40 + 32 + 32 + 8 + 288 = 400;
        //          dense 32->5: 28 + 20 + 20 + shift 5 padded to 8 + 160 = 236.
        // Total 96 + 184 + 36 + 400 + 236 = 952.
        // Params: 108+4 + 0 + 288+8 + 160+5 = 573. MACs: 8*8*4*27 = 6912; 2*2*8*36 = 1152; 32*5 = 160 -> 8224.
        // Arena: outputs 256 (layer 0, even), 64 (1, odd), 32 (2, even), 5 (3, odd): ping 256 + pong 64 = 320.
        // Flash bytes of arrays: (108 + 9*4) + (288 + 9*8) + (160 + 9*5) = 144 + 360 + 205 = 709.
        let b = Models.tiny()
        let blob = b.build()
        #expect(blob.bytes.count == 952)
        #expect(blob.recordOffsets == [96, 280, 316, 716])
        #expect(blob.params == 573)
        #expect(blob.macs == 8224)
        #expect(blob.arenaBytes == 320)
        #expect(blob.outOffsets == [0, 256, 0, 256])
        Runtime.withModel(blob.bytes) { status, m in
            #expect(status == HIL_OK)
            #expect(m.size == 952)
            #expect(m.params == 573)
            #expect(m.macs == 8224)
            #expect(m.arena_bytes == 320)
            #expect(m.weight_bytes == 709)
            // Per layer: op, shapes, window, MACs, params.
            let expected: [(UInt8, UInt8, [UInt16], [UInt8], UInt64, UInt32)] = [
                (1, 1, [8, 8, 3, 8, 8, 4], [3, 3, 1, 1], 6912, 112),
                (3, 0, [8, 8, 4, 4, 4, 4], [2, 2, 2, 2], 0, 0),
                (1, 0, [4, 4, 4, 2, 2, 8], [3, 3, 1, 1], 1152, 296),
                (6, 0, [2, 2, 8, 1, 1, 5], [0, 0, 0, 0], 160, 165),
            ]
            for (i, e) in expected.enumerated() {
                guard let info = Runtime.layerInfo(m, i) else { Issue.record("layer \(i)"); continue }
                #expect(info.op == e.0 && info.activation == e.1, "layer \(i)")
                #expect([info.in_h, info.in_w, info.in_c, info.out_h, info.out_w, info.out_c] == e.2, "layer \(i)")
                #expect([info.kernel_h, info.kernel_w, info.stride_h, info.stride_w] == e.3, "layer \(i)")
                #expect(info.macs == e.4 && info.params == e.5, "layer \(i)")
            }
        }
    }

    @Test func mcunetBlock() {
        // Layers: 0 stem conv 3x3x3->8 (8x8x8 = 512, kept until the add at 4), 1 expand 1x1 8->24
        // (1536, odd), 2 depthwise 3x3 (1536, even), 3 project 1x1 24->8 (512, odd), 4 add (512, even),
        // 5 global average pool (8, odd), 6 dense 8->10 (10, even).
        // Ping = max(1536, 512, 10) = 1536 at 0; pong = max(1536, 512, 8) = 1536 at 1536; keep slot
        // of 512 at 3072: arena 3584.
        // Params: 216+8 + 192+24 + 216+24 + 192+8 + 0 + 0 + 80+10 = 970.
        // MACs: 64*8*27 = 13824; 64*24*8 = 12288; 64*24*9 = 13824; 64*8*24 = 12288; 8*10 = 80 -> 52304.
        let blob = Nets.mcunetBlock(seed: 1).build()
        #expect(blob.outOffsets == [3072, 1536, 0, 1536, 0, 1536, 0])
        #expect(blob.arenaBytes == 3584)
        #expect(blob.params == 970)
        #expect(blob.macs == 52304)
        Runtime.withModel(blob.bytes) { status, m in
            #expect(status == HIL_OK)
            #expect(m.arena_bytes == 3584 && m.params == 970 && m.macs == 52304)
            #expect(Runtime.layerInfo(m, 2)?.macs == 13824)
            #expect(Runtime.layerInfo(m, 2)?.params == 240)
            #expect(Runtime.layerInfo(m, 4)?.op == UInt8(HIL_OP_ADD.rawValue))
        }
    }

    @Test func keepSlotsAreReused() {
        // Kept: 0 (read last by 3), 3 (by 6), 6 (by 9). Slot 0 takes 0; at 3 slot 0 is still read,
        // so 3 takes slot 1; at 6 slot 0 is free again (last read at 3) and 6 takes it.
        // Ping (even, not kept: 2, 4, 8 of 32 bytes, 10 of 2) = 32 at 0; pong (1 of 64, 5, 7, 9 of 32)
        // = 64 at 32; slot 0 at 96, slot 1 at 128, 32 bytes each: arena 160.
        let b = Models.chainedResiduals()
        let blob = b.build()
        #expect(blob.outOffsets == [96, 32, 0, 128, 0, 32, 96, 32, 0, 32, 0])
        #expect(blob.arenaBytes == 160)
        Runtime.withModel(blob.bytes) { status, m in
            #expect(status == HIL_OK)
            #expect(m.arena_bytes == 160)
        }
        var r = SeededRandom(seed: 9)
        for _ in 0..<4 {
            let input = r.int8s(32)
            #expect(Runtime.run(blob.bytes, input: input).scores == Reference.run(b, input: input).last!)
        }
    }

    @Test func seedSizedVGG() {
        // 32x32x3: conv 8 (8192 B, even), pool (2048, odd), conv 16 (4096, even), pool (1024, odd),
        // dense 1024->29 (29, even): ping 8192 + pong 2048 = 10240.
        // MACs 32*32*8*27 = 221184; 16*16*16*72 = 294912; 1024*29 = 29696 -> 545792.
        // Params 216+8 + 1152+16 + 29696+29 = 31117.
        let blob = Nets.vgg(seed: 2).build()
        Runtime.withModel(blob.bytes) { status, m in
            #expect(status == HIL_OK)
            #expect(m.arena_bytes == 10240)
            #expect(m.macs == 545_792)
            #expect(m.params == 31117)
            #expect(m.class_count == 29 && m.layer_count == 5)
            #expect(m.size == UInt32(blob.bytes.count))
        }
    }
}
