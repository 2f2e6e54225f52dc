import GDBRemote

/// Loading and starting firmware, the QEMU way: memory written through the stub, then a reset
/// of the board followed by SP/PC/xPSR taken from the image's vector table.
extension QEMUMachine {
    /// ARM register numbers in QEMU's M-profile target description (arm-m-profile.xml):
    /// r0–r12 = 0–12, then these. xPSR is declared with regnum="25" (16–24 are the old FPA
    /// registers' numbers, absent on M-profile).
    public static let stackPointerRegister = 13
    public static let programCounterRegister = 15
    public static let xpsrRegister = 25
    /// xPSR with only the Thumb bit set, as after a reset (M-profile executes Thumb only).
    public static let resetXPSR: UInt32 = 0x0100_0000

    /// Writes each (address, bytes) into the machine's memory, then boots from the vector table
    /// at `vectorTable` (see `boot`).
    public func load(_ segments: [(address: UInt32, bytes: [UInt8])], vectorTable: UInt32) throws(QEMUError) {
        try withGDB { (gdb) throws(GDBError) in
            _ = try gdb.halt()
            for segment in segments {
                try gdb.writeMemory(segment.address, segment.bytes)
            }
        }
        try boot(vectorTable: vectorTable)
    }

    /// Starts the firmware whose vector table is at `vectorTable`: halt, reset the board (QEMU's
    /// `system_reset`: peripherals, NVIC, CONTROL and the core back to reset state; RAM, and so
    /// the loaded image, is kept), set SP and PC from the table's first two words and xPSR to
    /// Thumb, and resume.
    ///
    /// VTOR stays at its reset value, 0: QEMU's stub ignores debugger writes to the System
    /// Control Space. An image whose table is elsewhere must set SCB->VTOR itself before it
    /// enables interrupts (CMSIS SystemInit does).
    public func boot(vectorTable: UInt32) throws(QEMUError) {
        let words = try withGDB { (gdb) throws(GDBError) -> [UInt8] in
            _ = try gdb.halt()
            _ = try gdb.monitor("system_reset")
            return try gdb.readMemory(vectorTable, count: 8)
        }
        let stackPointer = UInt32(words[0]) | UInt32(words[1]) << 8 | UInt32(words[2]) << 16 | UInt32(words[3]) << 24
        let reset = UInt32(words[4]) | UInt32(words[5]) << 8 | UInt32(words[6]) << 16 | UInt32(words[7]) << 24
        guard reset & 1 == 1 else {
            throw .invalidVectorTable(address: vectorTable, stackPointer: stackPointer, resetVector: reset)
        }
        try withGDB { (gdb) throws(GDBError) in
            try gdb.writeRegister(Self.stackPointerRegister, stackPointer)
            try gdb.writeRegister(Self.programCounterRegister, reset & ~1)
            try gdb.writeRegister(Self.xpsrRegister, Self.resetXPSR)
            try gdb.resume()
        }
    }
}
