import Dispatch

/// Image files -> samples: read, decode, convert, resize, quantise.
enum ImageSamples {
    /// Images are independent, so they are decoded on all cores (Kaggle ASL's training folder is
    /// 87,000 JPEGs). The result does not depend on scheduling: each sample lands in its own slot,
    /// and when several files are bad, the error thrown is the first one in sample order.
    static func load(_ order: [(label: Int, item: String)], spec: ModelInputSpec,
                     quantiser: Quantiser) throws(DatasetError) -> [Sample] {
        var results = [Result<[Int8], DatasetError>?](repeating: nil, count: order.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = Slots(base: slots)
            DispatchQueue.concurrentPerform(iterations: order.count) { i in
                slots.store(Result { () throws(DatasetError) in try input(order[i].item, spec: spec, quantiser: quantiser) }, at: i)
            }
        }
        var samples: [Sample] = []
        samples.reserveCapacity(order.count)
        for (i, result) in results.enumerated() {
            switch result! {
            case .success(let input): samples.append(Sample(index: i, source: order[i].item, label: order[i].label, input: input))
            case .failure(let error): throw error
            }
        }
        return samples
    }

    static func input(_ path: String, spec: ModelInputSpec, quantiser: Quantiser) throws(DatasetError) -> [Int8] {
        let image = try ImageDecoding.decode(DatasetFiles.read(path), path: path)
        var pixels = PixelTransform.prepare(image, height: spec.height, width: spec.width, channels: spec.channels)
        // Decoders give RGB; a model trained on OpenCV's BGR frames gets them in its own order.
        if spec.channelOrder == .bgr && spec.channels == 3 {
            var i = 0
            while i + 2 < pixels.count {
                pixels.swapAt(i, i + 2)
                i += 3
            }
        }
        return quantiser.quantise(pixels: pixels)
    }

    /// Disjoint slots written from concurrentPerform's threads: each index by exactly one
    /// iteration, and read only after concurrentPerform returns, so there is no data race.
    private struct Slots: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<Result<[Int8], DatasetError>?>
        func store(_ value: Result<[Int8], DatasetError>, at i: Int) { base[i] = value }
    }
}
