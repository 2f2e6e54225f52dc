import Foundation

/// A linked firmware's allocated sections by where they live: what the harness itself costs in
/// flash (code, constants, initialisers) and in RAM (stack, data, bss, input buffers, arena),
/// section by section — the static footprint beside the model's.
public struct FirmwareSection: Codable, Sendable, Equatable {
    public enum Memory: String, Codable, Sendable { case flash, ram }
    public let name: String
    public let address: UInt32
    public let bytes: Int
    public let memory: Memory
}

public enum FirmwareSections {
    /// The ELF's allocated sections in address order; nil for anything that is not a readable
    /// ARM ELF with section headers (a HEX or BIN image has no sections to tell).
    public static func read(path: String) -> [FirmwareSection]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let file = ELFBytes(bytes: [UInt8](data))
        guard let header = try? ELFHeader(file, path: path) else { return nil }
        let count = UInt64(header.shnum), entrySize: UInt64 = 40
        guard header.shoff != 0, UInt64(header.shentsize) == entrySize, count > 1, UInt64(header.shstrndx) < count,
              file.contains(header.shoff, count * entrySize) else { return nil }
        let strings = header.shoff + UInt64(header.shstrndx) * entrySize
        let stringsOffset = UInt64(file.u32(strings + 16)), stringsSize = UInt64(file.u32(strings + 20))
        guard file.contains(stringsOffset, stringsSize) else { return nil }
        var out: [FirmwareSection] = []
        for index in 1..<count {
            let entry = header.shoff + index * entrySize
            let nameOffset = UInt64(file.u32(entry)), type = file.u32(entry + 4), flags = file.u32(entry + 8)
            let address = file.u32(entry + 12), size = Int(file.u32(entry + 20))
            guard flags & 0x2 /* SHF_ALLOC */ != 0, size > 0, nameOffset < stringsSize else { continue }
            var name = ""
            var at = stringsOffset + nameOffset
            while at < stringsOffset + stringsSize, file.u8(at) != 0, name.count < 64 { name.append(Character(Unicode.Scalar(file.u8(at)))); at += 1 }
            // Writable or zero-filled (SHT_NOBITS) sections live in RAM; the rest is read from flash.
            let ram = flags & 0x1 /* SHF_WRITE */ != 0 || type == 8
            out.append(FirmwareSection(name: name, address: address, bytes: size, memory: ram ? .ram : .flash))
        }
        return out.sorted { $0.address < $1.address }
    }
}
