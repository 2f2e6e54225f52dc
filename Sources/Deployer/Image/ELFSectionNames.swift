/// Names a PT_LOAD by the sections whose file contents it holds, e.g. "ELF PT_LOAD #2 (.data)", so
/// that an error about a segment points at something the user wrote in a linker script.
///
/// Section headers are optional for loading (a stripped file may lack them), so anything missing or
/// inconsistent here only costs the names: the origin falls back to "ELF PT_LOAD #n".
struct ELFSectionNames {
    private struct Section {
        let name: String
        let offset: UInt64
        let size: UInt64
    }

    private var sections: [Section] = []
    private static let sectionHeaderSize: UInt64 = 40
    private static let maxNameLength: UInt64 = 64
    private static let maxNamesShown = 4

    init(_ file: ELFBytes, _ header: ELFHeader) {
        let count = UInt64(header.shnum)
        // shnum 0 with shoff set means the count lives in section 0 (huge tables): not for firmware.
        guard header.shoff != 0, UInt64(header.shentsize) == Self.sectionHeaderSize, count > 1,
              header.shstrndx != 0, UInt64(header.shstrndx) < count,
              file.contains(header.shoff, count * Self.sectionHeaderSize)
        else { return }

        let table = header.shoff
        let strings = table + UInt64(header.shstrndx) * Self.sectionHeaderSize
        let stringsOffset = UInt64(file.u32(strings + 16)), stringsSize = UInt64(file.u32(strings + 20))
        guard file.contains(stringsOffset, stringsSize) else { return }

        for index in 1..<count {
            let entry = table + index * Self.sectionHeaderSize
            let nameOffset = UInt64(file.u32(entry)), type = file.u32(entry + 4), flags = file.u32(entry + 8)
            let offset = UInt64(file.u32(entry + 16)), size = UInt64(file.u32(entry + 20))
            // Only allocated sections with file contents (not SHT_NOBITS like .bss) end up in flash.
            guard flags & 0x2 /* SHF_ALLOC */ != 0, type != 8 /* SHT_NOBITS */, size > 0,
                  nameOffset < stringsSize,
                  let name = Self.string(file, at: stringsOffset + nameOffset, end: stringsOffset + stringsSize)
            else { continue }
            sections.append(Section(name: name, offset: offset, size: size))
        }
    }

    /// "ELF PT_LOAD #n (.a, .b)" for the sections that start inside the segment's file range.
    /// `n` is the program header index as `readelf -l` numbers it, so the two can be compared.
    func origin(programHeader index: Int, offset: UInt64, size: UInt64) -> String {
        let base = "ELF PT_LOAD #\(index)"
        let inside = sections.filter { $0.offset >= offset && $0.offset - offset < size }.map(\.name)
        guard !inside.isEmpty else { return base }
        var shown = inside.prefix(Self.maxNamesShown).joined(separator: ", ")
        if inside.count > Self.maxNamesShown { shown += " and \(inside.count - Self.maxNamesShown) more" }
        return "\(base) (\(shown))"
    }

    /// A NUL-terminated printable-ASCII name inside the string table, else nil (a corrupt name is
    /// dropped rather than shown as garbage).
    private static func string(_ file: ELFBytes, at start: UInt64, end: UInt64) -> String? {
        var scalars = String.UnicodeScalarView()
        var position = start
        while position < end, position - start <= maxNameLength {
            let byte = file.u8(position)
            if byte == 0 { return scalars.isEmpty ? nil : String(scalars) }
            guard (0x21...0x7E).contains(byte) else { return nil }
            scalars.append(Unicode.Scalar(byte))
            position += 1
        }
        return nil
    }
}
