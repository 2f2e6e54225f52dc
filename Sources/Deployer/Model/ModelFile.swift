import CHilRuntime
import Foundation

/// An exported int8 model (docs/model-format.md), checked by the same C loader the board runs.
public struct ModelFile: Sendable {
    public let path: String
    public let blob: [UInt8]
    public let summary: ModelSummary

    public static func load(path: String) throws(ModelError) -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path)
        }
        return try ModelFile(blob: [UInt8](data), path: path)
    }

    public init(blob: [UInt8], path: String) throws(ModelError) {
        self.path = path
        self.blob = blob
        // hil_model points into the blob, so load and summarise inside one view of its buffer.
        let summary = blob.withUnsafeBufferPointer { buffer -> Result<ModelSummary, ModelError> in
            var m = hil_model()
            let status = hil_model_load(&m, buffer.baseAddress, UInt32(clamping: buffer.count))
            guard status == HIL_OK else { return .failure(.invalid(path: path, reason: String(cString: hil_status_text(status)))) }
            let contract: InputContract?
            do throws(ContractProblem) { contract = try InputContract.read(buffer, channels: Int(m.input_c)) } catch {
                return .failure(.invalid(path: path, reason: error.text))
            }
            return .success(ModelSummary(model: &m, blob: buffer, contract: contract))
        }
        switch summary {
        case let .success(s): self.summary = s
        case let .failure(e): throw e
        }
    }
}

extension ModelFile {
    /// `blob` with its header CRC (offset 12: CRC-32 of bytes 16 up to the declared total size,
    /// docs/model-format.md) recomputed, as a writer would after changing a byte: for tests and
    /// tools that build a model variant. A blob too short for a header comes back unchanged.
    public static func resealed(_ blob: [UInt8]) -> [UInt8] {
        guard blob.count > 16 else { return blob }
        let declared = (8..<12).reduce(0) { $0 | Int(blob[$1]) << (8 * ($1 - 8)) }
        let crc = CRC32.checksum(blob[16..<min(max(declared, 16), blob.count)])
        var out = blob
        for k in 0..<4 { out[12 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        return out
    }
}

/// What a report says about a model.
public struct ModelSummary: Codable, Sendable, Equatable {
    public let name: String
    /// SHA-256 of the whole blob, as the harness reports it in HELLO.
    public let sha256: String
    public let inputShape: [Int]          // H, W, C
    public let inputScale: Float
    public let inputZeroPoint: Int32
    public let outputScale: Float
    public let outputZeroPoint: Int32
    public let labels: [String]
    public let layers: Int
    public let parameters: UInt64
    public let macs: UInt64
    public let flashBytes: Int
    public let arenaBytes: Int
    /// What the blob says about its input (docs/model-format.md, "The input contract"); nil for a
    /// blob written before contracts, whose pixel range the bench can only assume.
    public let inputContract: InputContract?

    public init(name: String, sha256: String, inputShape: [Int], inputScale: Float, inputZeroPoint: Int32,
                outputScale: Float, outputZeroPoint: Int32, labels: [String], layers: Int,
                parameters: UInt64, macs: UInt64, flashBytes: Int, arenaBytes: Int, inputContract: InputContract? = nil) {
        self.name = name; self.sha256 = sha256; self.inputShape = inputShape; self.inputScale = inputScale
        self.inputZeroPoint = inputZeroPoint; self.outputScale = outputScale; self.outputZeroPoint = outputZeroPoint
        self.labels = labels; self.layers = layers; self.parameters = parameters; self.macs = macs
        self.flashBytes = flashBytes; self.arenaBytes = arenaBytes; self.inputContract = inputContract
    }

    init(model m: UnsafeMutablePointer<hil_model>, blob: UnsafeBufferPointer<UInt8>, contract: InputContract?) {
        inputContract = contract
        let p = m.pointee
        name = p.name.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(p.name_len)), as: UTF8.self) } ?? ""
        var digest = [UInt8](repeating: 0, count: 32)
        hil_sha256(blob.baseAddress, blob.count, &digest)
        sha256 = digest.map { String(format: "%02x", $0) }.joined()
        inputShape = [Int(p.input_h), Int(p.input_w), Int(p.input_c)]
        inputScale = p.input_scale
        inputZeroPoint = p.input_zero_point
        outputScale = p.output_scale
        outputZeroPoint = p.output_zero_point
        labels = (0..<p.class_count).map { i in
            var length: UInt16 = 0
            guard let text = hil_model_label(m, i, &length) else { return "class \(i)" }
            return String(decoding: UnsafeRawBufferPointer(start: text, count: Int(length)), as: UTF8.self)
        }
        layers = Int(p.layer_count)
        parameters = p.params
        macs = p.macs
        flashBytes = blob.count
        arenaBytes = Int(p.arena_bytes)
    }

    public var inputBytes: Int { inputShape.reduce(1, *) }
}

/// The host's own prediction for every input: the same C runtime the board runs, so any
/// difference between the two is the board's (or the line's) doing.
public final class ReferenceRuntime {
    private let blob: UnsafeMutableBufferPointer<UInt8>
    private let arena: UnsafeMutableBufferPointer<UInt8>
    private var model = hil_model()
    public let summary: ModelSummary

    public init(_ file: ModelFile) {
        blob = .allocate(capacity: file.blob.count)
        _ = blob.initialize(from: file.blob)
        summary = file.summary
        _ = hil_model_load(&model, blob.baseAddress, UInt32(blob.count))
        arena = .allocate(capacity: max(1, Int(model.arena_bytes)))
        arena.initialize(repeating: 0)
    }

    deinit {
        blob.deallocate()
        arena.deallocate()
    }

    /// The predicted class (lowest index on ties) and the int8 scores.
    public func predict(_ input: [Int8]) -> (predicted: Int, scores: [Int8]) {
        var scores = [Int8](repeating: 0, count: Int(model.class_count))
        let status = input.withUnsafeBufferPointer { inp in
            hil_invoke(&model, inp.baseAddress, arena.baseAddress, UInt32(arena.count), &scores)
        }
        precondition(status == HIL_OK, "hil_invoke failed on a model it loaded: \(String(cString: hil_status_text(status)))")
        return (Int(hil_argmax(scores, UInt16(scores.count))), scores)
    }
}

public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path):
            return "cannot read the model \(path); check the path"
        case let .invalid(path, reason):
            return "\(path) is not a usable hil model: \(reason); export it again (docs/model-format.md)"
        }
    }
}
