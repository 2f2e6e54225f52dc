import Foundation
import STLink

/// A QEMU machine the harness firmware runs on, read from `boards/qemu/<name>.json`: the machine
/// to start and the same firmware layout and harness figures a board file gives.
public struct QEMUMachineDescription: Codable, Sendable, Equatable {
    public let name: String
    /// QEMU's -M value, e.g. "mps2-an500".
    public let machine: String
    public let cpu: String?
    public let coreClockHz: Int
    public let firmware: BoardDefinition.Firmware
    public let harness: BoardDefinition.Harness

    enum CodingKeys: String, CodingKey { case name, machine, qemuMachine, cpu, coreClockHz, firmware, harness }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        machine = try c.decodeIfPresent(String.self, forKey: .machine) ?? c.decode(String.self, forKey: .qemuMachine)
        cpu = try c.decodeIfPresent(String.self, forKey: .cpu)
        coreClockHz = try c.decode(Int.self, forKey: .coreClockHz)
        firmware = try c.decode(BoardDefinition.Firmware.self, forKey: .firmware)
        harness = try c.decode(BoardDefinition.Harness.self, forKey: .harness)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(machine, forKey: .machine)
        try c.encodeIfPresent(cpu, forKey: .cpu)
        try c.encode(coreClockHz, forKey: .coreClockHz)
        try c.encode(firmware, forKey: .firmware)
        try c.encode(harness, forKey: .harness)
    }

    /// The memory the image and the harness use: the harness and model regions, and the RAM the
    /// harness's arena and buffers take (the machine has more; the report shows what is used).
    public var harnessTarget: HarnessTarget {
        HarnessTarget(name: name, firmware: firmware, harness: harness, coreClockHz: coreClockHz,
                      flashBytes: firmware.harnessRegion.size + firmware.modelRegion.size,
                      ramBytes: harness.arenaBytes + 2 * harness.inputBufferBytes)
    }

    public static func load(boardsDirectory: URL, name: String) throws -> QEMUMachineDescription {
        let folder = boardsDirectory.appendingPathComponent("qemu")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var known: [QEMUMachineDescription] = []
        for file in files {
            let url = folder.appendingPathComponent(file)
            do { known.append(try decoder.decode(QEMUMachineDescription.self, from: Data(contentsOf: url))) } catch {
                throw BoardDataError.malformed(path: url.path, reason: "\(error)")
            }
        }
        // A description's own name first; then QEMU's machine name, which several layouts may
        // share (qemu-mps2-an500 and qemu-mps2-an500-large): the plain "qemu-<machine>" one.
        if let exact = known.first(where: { $0.name == name }) { return exact }
        let byMachine = known.filter { $0.machine == name }
        if byMachine.count == 1 { return byMachine[0] }
        if let plain = byMachine.first(where: { $0.name == "qemu-" + name }) { return plain }
        if byMachine.count > 1 {
            throw BoardDataError.notFound(what: "one QEMU machine for '\(name)': several descriptions use it (\(byMachine.map(\.name).joined(separator: ", "))); name one", searched: [folder.path])
        }
        throw BoardDataError.notFound(what: "QEMU machine '\(name)' (known: \(known.map(\.name).joined(separator: ", ")))", searched: [folder.path])
    }
}
