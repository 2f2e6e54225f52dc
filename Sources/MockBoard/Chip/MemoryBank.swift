/// Bytes at a fixed address in this process: the chip's flash cells and RAM banks.
///
/// Fixed because two parties use them: the bus the probe reaches (`EmulatedSTM32F7`) and the
/// emulated core, which maps the very same bytes into its address space. What the probe writes
/// into RAM the firmware reads, and what the firmware leaves in RAM a debugger reads back live.
final class MemoryBank {
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(count: Int, filledWith byte: UInt8 = 0) {
        self.count = count
        // Page-aligned and a whole number of pages: what the CPU emulator maps must be.
        let pages = (max(count, 1) + 4095) / 4096 * 4096
        pointer = UnsafeMutableRawPointer.allocate(byteCount: pages, alignment: 4096)
        pointer.initializeMemory(as: UInt8.self, repeating: byte, count: pages)
    }

    deinit { pointer.deallocate() }

    /// The mapped size: `count` rounded up to whole 4 KB pages.
    var mappedCount: Int { (max(count, 1) + 4095) / 4096 * 4096 }

    subscript(index: Int) -> UInt8 {
        get { pointer.load(fromByteOffset: index, as: UInt8.self) }
        set { pointer.storeBytes(of: newValue, toByteOffset: index, as: UInt8.self) }
    }

    func bytes(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: pointer + range.lowerBound, count: range.count))
    }

    func replace(at offset: Int, with bytes: [UInt8]) {
        bytes.withUnsafeBytes { (pointer + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    func fill(_ range: Range<Int>, with byte: UInt8) {
        (pointer + range.lowerBound).initializeMemory(as: UInt8.self, repeating: byte, count: range.count)
    }

    func littleEndian(at offset: Int, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<size { value |= UInt32(self[offset + i]) << UInt32(8 * i) }
        return value
    }

    func storeLittleEndian(_ value: UInt32, at offset: Int, size: Int) {
        for i in 0..<size { self[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }
}
