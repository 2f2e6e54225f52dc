/// How a run turned the test set into the model's inputs, and who said so: the model's own input
/// contract, the user's `--pixels`, or the bench's default for a blob that records nothing. A
/// report carries it so that an accuracy figure always says which pixel mapping it was measured
/// with; a range that was only assumed is marked as such.
public struct InputMapping: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        /// Read from the blob's input contract.
        case model
        /// Given with `--pixels` (a blob that records no range, or one that takes no pixels).
        case option
        /// Neither: the blob predates contracts and the bench used its default, unit.
        case assumed
    }

    /// "unit", "centered", "raw", "affine", or "none" (the model takes real values, not pixels).
    public let pixels: String
    /// The formula x = f(p), absent for "none".
    public let formula: String?
    public let source: Source
    /// From the contract; absent when the blob records none.
    public let channelOrder: String?
    public let sourceLayout: String?

    public init(pixels: String, formula: String?, source: Source, channelOrder: String? = nil, sourceLayout: String? = nil) {
        self.pixels = pixels
        self.formula = formula
        self.source = source
        self.channelOrder = channelOrder
        self.sourceLayout = sourceLayout
    }

    /// One line for a report: "pixels unit (x = p/255), from the model; channels rgb".
    public var summary: String {
        var text = "pixels \(pixels)" + (formula.map { " (\($0))" } ?? "")
        switch source {
        case .model: text += ", from the model"
        case .option: text += ", from --pixels"
        case .assumed: text += ", assumed: the model does not record its pixel range (export it again with hil-export to record it)"
        }
        if let channelOrder { text += "; channels \(channelOrder)" }
        return text
    }

    /// The pixel range a run uses for a model with `contract`, given the user's `option`: the
    /// contract's when it names one (an option naming another is refused, both named), else the
    /// option, else unit, assumed. A model that takes real values gets no range unless the option
    /// gives one, so pixels are refused rather than guessed.
    public static func resolve(contract: InputContract?, option: PixelRange?, modelPath: String) throws(RunError) -> (range: PixelRange?, mapping: InputMapping) {
        let order = contract.flatMap { $0.channelOrder == .notRecorded ? nil : $0.channelOrder.rawValue }
        let layout = contract.flatMap { $0.sourceLayout == .notRecorded ? nil : $0.sourceLayout.rawValue }
        func mapping(_ range: PixelRange?, _ source: Source) -> InputMapping {
            InputMapping(pixels: range?.name ?? "none", formula: range?.formula, source: source,
                         channelOrder: order, sourceLayout: layout)
        }
        if let recorded = contract?.pixelRange {
            if let option, option != recorded {
                throw .pixelsContradictModel(model: modelPath, recorded: recorded, asked: option)
            }
            return (recorded, mapping(recorded, .model))
        }
        if let option { return (option, mapping(option, .option)) }
        if contract?.range == InputContract.Range.none { return (nil, mapping(nil, .model)) }
        return (.unit, mapping(.unit, .assumed))
    }
}
