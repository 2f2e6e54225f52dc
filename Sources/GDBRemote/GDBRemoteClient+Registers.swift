/// Registers by number, in the stub's numbering. Every ARM stub numbers r0–r12 as 0–12, SP 13,
/// LR 14, PC 15. Beyond that the numbers are the stub's: QEMU's M-profile description puts xPSR
/// at 25 (regnum="25", after the slots of the old FPA registers), OpenOCD's at 16. Look others up
/// by name (`registerNumber(named:)`). Values travel in target byte order, little-endian on
/// Cortex-M.
extension GDBRemoteClient {
    /// `p n`, or the whole `g` packet when the stub does not implement `p`.
    public func readRegister(_ number: Int) throws(GDBError) -> UInt32 {
        let command = "p\(hex(number))"
        if singleRegisterReads {
            let reply = try request(command)
            if reply.isEmpty {
                singleRegisterReads = false
            } else {
                try checkError(reply, command: command)
                return try word(from: reply, command: command)
            }
        }
        let (registers, slot) = try readAllRegisters(for: number)
        return littleEndianWord(Array(registers[slot.offset..<(slot.offset + 4)]))
    }

    /// `P n=v`, or `g` then `G` with the one register changed when the stub lacks `P`.
    public func writeRegister(_ number: Int, _ value: UInt32) throws(GDBError) {
        let bytes = littleEndianBytes(value)
        if singleRegisterWrites {
            let command = "P\(hex(number))=" + String(decoding: RSPPacket.hex(bytes), as: UTF8.self)
            let reply = try request(command)
            if reply.isEmpty {
                singleRegisterWrites = false
            } else {
                return try expectOK(reply, command: command)
            }
        }
        var (registers, slot) = try readAllRegisters(for: number)
        registers.replaceSubrange(slot.offset..<(slot.offset + 4), with: bytes)
        let payload = Array("G".utf8) + RSPPacket.hex(registers)
        try expectOK(try request(payload, command: "G"), command: "G")
    }

    /// All registers (`g`), in target byte order, as the layout places them.
    public func readRegisters() throws(GDBError) -> [UInt8] {
        let reply = try request("g")
        try checkError(reply, command: "g")
        // 'x' digits mark registers the stub cannot read; they read as zero here.
        let cleaned = reply.map { $0 == UInt8(ascii: "x") ? UInt8(ascii: "0") : $0 }
        guard let bytes = RSPPacket.bytes(fromHex: cleaned) else {
            throw .malformedReply(command: "g", reply: printable(Array(reply.prefix(40))))
        }
        return bytes
    }

    /// The `g` packet and where a 32-bit register sits in it.
    private func readAllRegisters(for number: Int) throws(GDBError) -> ([UInt8], (offset: Int, size: Int)) {
        let registers = try readRegisters()
        let layout = registerLayout ?? .classicARM
        guard let slot = layout.slot(of: number) else { throw .unsupported(command: "p\(hex(number))") }
        guard slot.size == 4 else {
            throw .malformedReply(command: "g", reply: "register \(number) is \(slot.size * 8) bits wide, not 32")
        }
        // Stubs may send a shorter `g` than the description (trailing registers left out).
        guard slot.offset + slot.size <= registers.count else {
            throw .malformedReply(command: "g", reply: "\(registers.count) bytes, register \(number) is not among them")
        }
        return (registers, slot)
    }

    /// A 32-bit register from its hex reply; wider registers are refused rather than cut.
    private func word(from reply: [UInt8], command: String) throws(GDBError) -> UInt32 {
        if reply.allSatisfy({ $0 == UInt8(ascii: "x") }) {
            throw .malformedReply(command: command, reply: "register value unavailable (\(printable(reply)))")
        }
        guard let bytes = RSPPacket.bytes(fromHex: reply), bytes.count == 4 else {
            throw .malformedReply(command: command, reply: "expected a 32-bit register, got \(printable(reply))")
        }
        return littleEndianWord(bytes)
    }
}
