/// A register as the stub's target description names it.
public struct TargetRegister: Equatable, Sendable {
    public var name: String
    /// The number `p`/`P` use, and the order of the `g` packet.
    public var number: Int
    public var bitSize: Int
}

/// The target's registers: their numbers, and where each sits in the `g` packet (the registers
/// in number order, packed, sizes from the description). Built from `target.xml` when the stub
/// offers it, else the classic ARM numbering GDB assumes without a description.
struct RegisterLayout {
    let registers: [TargetRegister]

    init(registers: [TargetRegister]) {
        self.registers = registers.sorted { $0.number < $1.number }
    }

    /// GDB's ARM layout without a target description: r0–r15, the eight 96-bit FPA registers of
    /// old ARMs, fps, then the status register as 25 (cpsr on A/R-profile ARMs; on the M-profile
    /// targets this bench drives, xPSR, which is also where QEMU's description puts it).
    static let classicARM: RegisterLayout = {
        var registers = (0...12).map { TargetRegister(name: "r\($0)", number: $0, bitSize: 32) }
        registers += [("sp", 13), ("lr", 14), ("pc", 15)].map { TargetRegister(name: $0.0, number: $0.1, bitSize: 32) }
        registers += (0...7).map { TargetRegister(name: "f\($0)", number: 16 + $0, bitSize: 96) }
        registers.append(TargetRegister(name: "fps", number: 24, bitSize: 32))
        registers.append(TargetRegister(name: "xpsr", number: 25, bitSize: 32))
        return RegisterLayout(registers: registers)
    }()

    /// Where register `number` sits in a `g` packet, in bytes.
    func slot(of number: Int) -> (offset: Int, size: Int)? {
        var offset = 0
        for register in registers {
            if register.number == number { return (offset, register.bitSize / 8) }
            offset += register.bitSize / 8
        }
        return nil
    }

    /// Reads `target.xml` and the documents it includes through `qXfer:features:read`.
    init(client: GDBRemoteClient) throws(GDBError) {
        var registers: [TargetRegister] = []
        var next = 0
        try Self.collect(annex: "target.xml", client: client, depth: 0, into: &registers, next: &next)
        self.init(registers: registers)
    }

    /// Walks one document's tags in order: `<reg>` adds a register (numbered by its `regnum`, or
    /// one past the previous register, as GDB numbers them); `<xi:include>` is read in place.
    private static func collect(annex: String, client: GDBRemoteClient, depth: Int,
                                into registers: inout [TargetRegister], next: inout Int) throws(GDBError) {
        guard depth < 4 else { return }  // includes nest one level in practice; never loop
        let document = try client.readFeatureDocument(annex)
        for tag in tags(in: document) {
            if tag.hasPrefix("reg ") || tag.hasPrefix("reg\t") || tag.hasPrefix("reg\n") {
                guard let name = attribute("name", in: tag),
                      let bits = attribute("bitsize", in: tag).flatMap({ Int($0) }) else { continue }
                let number = attribute("regnum", in: tag).flatMap { Int($0) } ?? next
                registers.append(TargetRegister(name: name, number: number, bitSize: bits))
                next = number + 1
            } else if tag.hasPrefix("xi:include"), let href = attribute("href", in: tag) {
                try collect(annex: href, client: client, depth: depth + 1, into: &registers, next: &next)
            }
        }
    }

    /// The text inside each `<…>` of an XML document (comments and declarations included; they
    /// match neither `reg` nor `xi:include`).
    static func tags(in document: String) -> [Substring] {
        var tags: [Substring] = []
        var rest = document[...]
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            tags.append(rest[rest.index(after: open)..<close])
            rest = rest[rest.index(after: close)...]
        }
        return tags
    }

    /// The value of `name="…"` (or `name='…'`) in a tag.
    static func attribute(_ name: String, in tag: Substring) -> String? {
        for quote in ["\"", "'"] {
            guard let found = tag.firstRange(of: " \(name)=\(quote)") ?? tag.firstRange(of: "\n\(name)=\(quote)") else { continue }
            let value = tag[found.upperBound...]
            guard let end = value.firstIndex(of: Character(quote)) else { return nil }
            return String(value[..<end])
        }
        return nil
    }
}

extension GDBRemoteClient {
    /// One document of the target description, read in packet-sized pieces.
    func readFeatureDocument(_ annex: String) throws(GDBError) -> String {
        var document: [UInt8] = []
        while true {
            let command = "qXfer:features:read:\(annex):\(String(document.count, radix: 16)),\(String(payloadLimit - 1, radix: 16))"
            let reply = try request(command)
            try checkError(reply, command: command)
            guard let kind = reply.first, kind == UInt8(ascii: "m") || kind == UInt8(ascii: "l"),
                  let data = RSPPacket.unescape(Array(reply.dropFirst())) else {
                throw .malformedReply(command: command, reply: printable(Array(reply.prefix(40))))
            }
            document += data
            if kind == UInt8(ascii: "l") || data.isEmpty { break }
        }
        return String(decoding: document, as: UTF8.self)
    }

    /// The registers of the stub's target description, in number order; empty when the stub
    /// offers none (then GDB's classic ARM numbering applies: r0–r15 are 0–15, xPSR 25).
    public var targetRegisters: [TargetRegister] {
        registerLayout?.registers ?? []
    }

    /// The number of a register by its description name, ignoring case ("sp", "pc", "xpsr" —
    /// OpenOCD spells it "xPSR" —, "msp", …); from the classic ARM layout without a description.
    public func registerNumber(named name: String) -> Int? {
        let wanted = name.lowercased()
        return (registerLayout ?? .classicARM).registers.first { $0.name.lowercased() == wanted }?.number
    }
}
