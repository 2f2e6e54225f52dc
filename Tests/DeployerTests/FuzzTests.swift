import Foundation
import Testing
@testable import Deployer

/// Thousands of seeded, deterministic mutations of valid files. A crash (trap) fails the whole test
/// run; beyond that, every outcome must be a clean error or a well-formed image that placement can
/// judge. A failing iteration reproduces from the seed and iteration number in its message.
@Suite struct FuzzTests {
    static let iterations = 3000

    /// Checks what any reader must guarantee of an image it returns, then places it.
    private func checkOutcome(_ parse: () throws(ImageError) -> FirmwareImage, _ note: String) {
        do {
            let image = try parse()
            #expect(!image.segments.isEmpty, "\(note)")
            #expect(image.segments.allSatisfy { !$0.bytes.isEmpty && $0.end <= 0x1_0000_0000 }, "\(note)")
            #expect(zip(image.segments, image.segments.dropFirst()).allSatisfy { $0.address <= $1.address }, "\(note)")
            _ = try? image.placed(in: f746Flash)
        } catch {
            #expect(!error.description.isEmpty, "\(note)")
        }
    }

    @Test(arguments: [false, true])
    func mutatedELFNeverCrashes(useFixture: Bool) throws {
        let original = useFixture
            ? [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/tiny.elf")))
            : Sample.elfBytes
        // Header, program headers and section headers are where damage matters most.
        let shoff = Int(get32(original, 32))
        let hotSpots = Array(0..<TestELF.programHeaderOffset(4)) + Array(shoff..<original.count)
        let interesting: [UInt32] = [0, 1, 2, 4, 32, 40, 52, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
                                     0xFFFF_FFFF, 0xFFFF_FFF0, UInt32(original.count), UInt32(original.count - 1)]
        var random = SeededRandom(seed: useFixture ? 0xF1C5 : 0xE1F)
        for iteration in 0..<Self.iterations {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                var at = Int.random(in: 0..<bytes.count, using: &random)
                if Bool.random(using: &random), let spot = hotSpots.randomElement(using: &random), spot < bytes.count { at = spot }
                switch Int.random(in: 0..<6, using: &random) {
                case 0: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                case 1: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 2 where at + 4 <= bytes.count: put32(&bytes, at, interesting.randomElement(using: &random)!)
                case 3 where at + 2 <= bytes.count: put16(&bytes, at, UInt16(truncatingIfNeeded: interesting.randomElement(using: &random)!))
                case 4: bytes.removeSubrange(at...)
                default: bytes.insert(contentsOf: [UInt8](repeating: 0, count: Int.random(in: 1...8, using: &random)), at: at)
                }
                if bytes.isEmpty { break }
            }
            checkOutcome({ () throws(ImageError) in try ImageLoader.parseELF(bytes, path: "fuzz.elf") },
                         "ELF iteration \(iteration)")
        }
    }

    @Test func mutatedHexNeverCrashes() throws {
        var random = SeededRandom(seed: 0x4E7)
        let payload = (0..<600).map { _ in UInt8.random(in: 0...255, using: &random) }
        let base = hexFile([(0x0800_0000, Array(payload[..<300])), (0x0800_FF80, Array(payload[300...]))],
                           entry: 0x0800_0101).split(separator: "\n").map(String.init)
        let alphabet = Array("0123456789ABCDEFabcdefG: \r\n".utf8)

        for iteration in 0..<Self.iterations {
            var lines = base
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<lines.count, using: &random)
                switch Int.random(in: 0..<6, using: &random) {
                case 0, 1:  // a well-formed record with a changed field and a fixed checksum: reaches the semantics
                    lines[index] = remade(lines[index], using: &random)
                case 2:  // a character changed: mostly syntax and checksum errors
                    var chars = Array(lines[index].utf8)
                    if !chars.isEmpty { chars[Int.random(in: 0..<chars.count, using: &random)] = alphabet.randomElement(using: &random)! }
                    lines[index] = String(decoding: chars, as: UTF8.self)
                case 3: lines.insert(lines[Int.random(in: 0..<lines.count, using: &random)], at: index)
                case 4 where lines.count > 1: lines.remove(at: index)
                default: lines.swapAt(index, Int.random(in: 0..<lines.count, using: &random))
                }
            }
            let text = Array(lines.joined(separator: Bool.random(using: &random) ? "\n" : "\r\n").utf8)
            checkOutcome({ () throws(ImageError) in try ImageLoader.parseIntelHex(text, path: "fuzz.hex") },
                         "HEX iteration \(iteration)")
        }
    }

    /// Decodes a record, changes its type, length, address or one data byte, and re-encodes it with
    /// a correct checksum, so the damage gets past the syntax checks.
    private func remade(_ line: String, using random: inout SeededRandom) -> String {
        let chars = Array(line.utf8)
        guard chars.count >= 11, chars.count % 2 == 1 else { return line }
        var bytes: [UInt8] = []
        for i in stride(from: 1, to: chars.count - 2, by: 2) {  // all but the checksum
            guard let byte = UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16) else { return line }
            bytes.append(byte)
        }
        var data = Array(bytes.dropFirst(4))
        var type = bytes[3]
        var offset = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
        switch Int.random(in: 0..<4, using: &random) {
        case 0: type = UInt8.random(in: 0...7, using: &random)
        case 1: offset = UInt16.random(in: 0...UInt16.max, using: &random)
        case 2: data = (0..<Int.random(in: 0...6, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        default: if !data.isEmpty { data[Int.random(in: 0..<data.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
        }
        return hexRecord(type, offset, data)
    }
}
