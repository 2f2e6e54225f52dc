import Foundation
import Deployer
import HilAPI

/// Checks a submitted job before it is queued: anything wrong with it is the client's to fix
/// now, not a failure discovered on a board later.
struct SpecCheck {
    /// Board types a selector may name: the board files and the QEMU machines.
    let knownTypes: [String]

    /// Read once, when the bench starts: a submit must not read the boards folder again.
    static func boardTypes(in catalog: BoardCatalog) -> [String] {
        var names = catalog.boards.map(\.name)
        let qemuDir = catalog.directory.appendingPathComponent("qemu")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: qemuDir.path)) ?? []
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        names += files.filter { $0.hasSuffix(".json") }.compactMap { file in
            (try? Data(contentsOf: qemuDir.appendingPathComponent(file))).flatMap { try? decoder.decode(QEMUMachineDescription.self, from: $0).name }
        }
        return names.sorted()
    }

    func validate(_ spec: JobSpec) throws(APIError) {
        let o = spec.options
        if let limit = o.limit, limit < 1 { throw .badRequest("options.limit must be a positive number of samples, not \(limit)") }
        if let baud = o.baud, !SerialPort.rates.contains(baud) {
            throw .badRequest("options.baud \(baud) is not a rate the bench can set; use one of \(SerialPort.rates.map(String.init).joined(separator: ", "))")
        }
        if !(0...100_000).contains(o.warmup) { throw .badRequest("options.warmup must be between 0 and 100000, not \(o.warmup)") }
        if !(1...1000).contains(o.repeats) { throw .badRequest("options.repeats must be between 1 and 1000, not \(o.repeats)") }
        if let p = o.profile, !(0...1000).contains(p) { throw .badRequest("options.profile must be between 0 and 1000 inputs, not \(p)") }
        if let pixels = o.pixels, PixelRange(name: pixels) == nil {
            throw .badRequest("options.pixels '\(pixels)' is not one of unit, centered, raw; leave it out to use the range the model records")
        }
        let t = spec.thresholds
        for (name, value) in [("min_top1", t.minTop1), ("min_agreement", t.minAgreement)] {
            if let value, !(0...1).contains(value) { throw .badRequest("thresholds.\(name) is a fraction between 0 and 1, not \(value)") }
        }
        for (name, value) in [("max_p50_ms", t.maxP50Ms), ("max_p99_ms", t.maxP99Ms)] {
            if let value, !(value > 0) { throw .badRequest("thresholds.\(name) must be a positive number of milliseconds, not \(value)") }
        }
        if let type = spec.selector.boardType, !knownTypes.contains(type) {
            throw .badRequest("selector.board_type '\(type)' is not a board this bench knows; known: \(knownTypes.joined(separator: ", "))", code: "unknown_board_type")
        }
        if spec.healthCheck && spec.selector.board == nil {
            throw .badRequest("a health check must name its board in selector.board")
        }
        if let name = spec.name, name.count > 200 { throw .badRequest("name is longer than 200 characters") }
    }
}

/// Refuses uploads that are plainly not what their kind says, before they take disk space.
enum ArtifactCheck {
    static func validate(kind: ArtifactKind, bytes: Data) throws(APIError) {
        guard !bytes.isEmpty else { throw .badRequest("the \(kind.rawValue) upload is empty") }
        switch kind {
        case .model:
            do { _ = try ModelFile(blob: [UInt8](bytes), path: "upload") } catch {
                throw .badRequest("the uploaded model is not a hil model: \(error.description)", code: "bad_model")
            }
        case .dataset:
            // A POSIX tar has "ustar" at offset 257 of its first header.
            guard bytes.count >= 512, bytes[bytes.startIndex + 257 ..< bytes.startIndex + 262].elementsEqual("ustar".utf8) else {
                throw .badRequest("a dataset is uploaded as a tar archive of its folder (tar -C DIR -cf - .); this upload is not one", code: "bad_dataset")
            }
        case .firmware:
            let head = [UInt8](bytes.prefix(4))
            let isELF = head == [0x7F, 0x45, 0x4C, 0x46]
            let isHex = head.first == UInt8(ascii: ":")
            guard isELF || isHex || bytes.count >= 8 else {
                throw .badRequest("the firmware upload is neither an ELF nor an Intel HEX file, and too short to be a binary image", code: "bad_firmware")
            }
        case .labels:
            guard String(data: bytes, encoding: .utf8) != nil else {
                throw .badRequest("a label map is UTF-8 text (JSON or name=label lines); this upload is not", code: "bad_labels")
            }
        }
    }
}
