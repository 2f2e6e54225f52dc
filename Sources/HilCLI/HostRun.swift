import CHilRuntime
import Deployer
import MockBoard

/// `hilctl run --host-only`: the model on this machine (HostEvaluation), its latency estimated by
/// the Cortex-M7 cost model the mock board uses, so a host-only report and a mock board's report
/// of the same model carry the same latency, and both say ESTIMATED.
public struct HostRun {
    public let catalog: BoardCatalog
    public var costModel = CortexM7CostModel()

    public init(catalog: BoardCatalog) { self.catalog = catalog }

    public func run(_ request: RunRequest, progress: (RunProgress) -> Void = { _ in },
             note: (String) -> Void = { _ in }) throws(RunError) -> EvaluationReport {
        try HostEvaluation(catalog: catalog).run(request, timer: .estimated, cycles: estimatedCycles,
                                                 layerCycles: estimatedLayerCycles, progress: progress, note: note)
    }

    /// The cost model's cycles of each layer (the mock board's profile of this model).
    public func estimatedLayerCycles(_ model: ModelFile) -> [UInt64] {
        var loaded = hil_model()
        return model.blob.withUnsafeBufferPointer { blob in
            guard hil_model_load(&loaded, blob.baseAddress, UInt32(blob.count)) == HIL_OK else { return [] }
            return (0..<loaded.layer_count).map { i in
                var info = hil_layer_info()
                guard hil_model_layer_info(&loaded, i, &info) == HIL_OK else { return 0 }
                return UInt64(costModel.cycles(of: info).rounded())
            }
        }
    }

    /// The cost model's cycles for one inference of this model (the mock board's figure).
    public func estimatedCycles(_ model: ModelFile) -> UInt64 {
        var loaded = hil_model()
        return model.blob.withUnsafeBufferPointer { blob in
            guard hil_model_load(&loaded, blob.baseAddress, UInt32(blob.count)) == HIL_OK else { return 0 }
            return costModel.cycles(of: &loaded)
        }
    }
}
