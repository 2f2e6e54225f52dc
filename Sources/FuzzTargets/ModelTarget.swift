import CHilRuntime
import Deployer

/// A .hilm blob through the loader the board runs (`hil_model_load`, via ModelFile as the bench
/// uses it), then, when it is accepted, one inference in an arena of exactly the size the model
/// declares. Under AddressSanitizer any read or write outside the blob, the arena, the input or
/// the scores is a crash: "the loader accepted it" must mean "it runs safely on the board".
enum ModelTarget {
    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        // A mutated blob almost never keeps its CRC, and then only the CRC check would run:
        // recompute it, as a writer would, so the mutations reach the layer records.
        let blob = ModelFile.resealed(data)
        guard let file = try? ModelFile(blob: blob, path: "fuzz.hilm") else { return .rejected }
        let s = file.summary
        FuzzCheck.require(s.inputShape.count == 3, "an accepted model has a 3-dimensional input, not \(s.inputShape)")
        FuzzCheck.require(s.labels.count <= Int(UInt16.max), "more labels than classes can count")

        var m = hil_model()
        blob.withUnsafeBufferPointer { buffer in
            let status = hil_model_load(&m, buffer.baseAddress, UInt32(buffer.count))
            FuzzCheck.require(status == HIL_OK, "hil_model_load refused a blob ModelFile accepted")
            for i in 0..<m.layer_count {
                var info = hil_layer_info()
                FuzzCheck.require(hil_model_layer_info(&m, i, &info) == HIL_OK, "layer \(i) of \(m.layer_count) has no info")
            }
            let inputCount = Int(m.input_h) * Int(m.input_w) * Int(m.input_c)
            // The loader bounds every tensor (≤ 2^22 elements) and the work; keep a fuzz run quick.
            guard inputCount <= 1 << 16, m.arena_bytes <= 1 << 20, m.macs <= 4_000_000 else { return }
            let input = (0..<inputCount).map { Int8(truncatingIfNeeded: $0 &* 37) }
            // Allocated to the exact size, so ASan sees a byte past the declared arena.
            let arena = UnsafeMutablePointer<UInt8>.allocate(capacity: max(Int(m.arena_bytes), 1))
            let scores = UnsafeMutablePointer<Int8>.allocate(capacity: max(Int(m.class_count), 1))
            defer { arena.deallocate(); scores.deallocate() }
            let result = input.withUnsafeBufferPointer { hil_invoke(&m, $0.baseAddress, arena, m.arena_bytes, scores) }
            FuzzCheck.require(result == HIL_OK, "an accepted model failed to run in its declared arena: \(String(cString: hil_status_text(result)))")
            FuzzCheck.require(hil_argmax(scores, m.class_count) < max(m.class_count, 1), "argmax outside the classes")
            let small = UnsafeMutablePointer<UInt8>.allocate(capacity: max(Int(m.arena_bytes) - 1, 1))
            defer { small.deallocate() }
            if m.arena_bytes > 1 {
                let refused = input.withUnsafeBufferPointer { hil_invoke(&m, $0.baseAddress, small, m.arena_bytes - 1, scores) }
                FuzzCheck.require(refused == HIL_ERR_ARENA, "a model ran in an arena smaller than it declares")
            }
        }
        return .accepted
    }
}
