import Foundation

/// Everything hil knows about one chip family, read from `boards/chips/*.json`.
///
/// The driver uses it to identify a target and plan flashing; the mock board uses the same file to
/// know what silicon it emulates. Keep the facts here, not in code.
public struct ChipDescription: Codable, Sendable, Hashable {
    public struct Core: Codable, Sendable, Hashable {
        public let name: String
        public let cpuidImplementer: HexNumber
        public let cpuidPart: HexNumber
    }

    public struct SectorRun: Codable, Sendable, Hashable {
        public let count: Int
        public let sizeKB: Int
        // The decoder turns "size_kb" into "sizeKb"; name the key so the property can say KB.
        enum CodingKeys: String, CodingKey { case count, sizeKB = "sizeKb" }
    }

    /// A program/erase parallelism (PSIZE) and the lowest supply voltage RM0385 allows it at.
    public struct Parallelism: Codable, Sendable, Hashable {
        public let psize: String          // "x8", "x16", "x32"
        public let accessBytes: Int       // 1, 2, 4
        public let minVoltage: Double
    }

    /// [typical, maximum] in milliseconds, by parallelism.
    public struct EraseTime: Codable, Sendable, Hashable {
        public let sizeKB: Int
        public let x8: [Int]
        public let x16: [Int]
        public let x32: [Int]
        enum CodingKeys: String, CodingKey { case sizeKB = "sizeKb", x8, x16, x32 }

        public func milliseconds(psize: String) -> (typical: Int, maximum: Int) {
            let pair = psize == "x8" ? x8 : psize == "x16" ? x16 : x32
            return (pair[0], pair[1])
        }
    }

    public struct TypMax: Codable, Sendable, Hashable {
        public let typ: Int
        public let max: Int
    }

    public struct MassEraseTime: Codable, Sendable, Hashable {
        public let x8: [Int]
        public let x16: [Int]
        public let x32: [Int]
    }

    public struct Timing: Codable, Sendable, Hashable {
        public let programAccessUs: TypMax
        public let sectorEraseMs: [EraseTime]
        public let massEraseMs: MassEraseTime
    }

    public struct Flash: Codable, Sendable, Hashable {
        public let controller: String
        public let controllerBase: HexNumber
        public let base: HexNumber
        public let itcmAlias: HexNumber?
        public let sizeKB: Int
        public let erasedByte: HexNumber
        public let sectors: [SectorRun]
        public let rowBytes: Int
        public let parallelism: [Parallelism]
        public let timing: Timing
        enum CodingKeys: String, CodingKey {
            case controller, controllerBase, base, itcmAlias, sizeKB = "sizeKb", erasedByte, sectors, rowBytes, parallelism, timing
        }
    }

    public struct RAMRegion: Codable, Sendable, Hashable {
        public let name: String
        public let base: HexNumber
        public let sizeKB: Int
        enum CodingKeys: String, CodingKey { case name, base, sizeKB = "sizeKb" }
    }

    public struct OptionBytes: Codable, Sendable, Hashable {
        public let optcrReset: HexNumber
        public let nwrpShift: Int
    }

    public let name: String
    public let parts: [String]
    public let source: String
    public let core: Core
    public let dbgmcuIdcodeAddress: HexNumber
    public let devId: HexNumber
    public let revisions: [String: String]
    public let swdDpidr: HexNumber?
    public let flashSizeRegister: HexNumber
    /// Present when hil can identify this chip but must not flash it; says why and what to use.
    public let unsupportedReason: String?
    public let flash: Flash
    public let ram: [RAMRegion]
    public let optionBytes: OptionBytes
    /// What an emulated core needs beyond the debugger's view; absent for chips hil only flashes.
    public let peripherals: Peripherals?
}

extension ChipDescription {
    /// The peripherals the harness firmware uses, where they are and the limits RM0385 and the
    /// datasheet set; register layouts within a block are the family's and live in the emulator.
    public struct Peripherals: Codable, Sendable, Hashable {
        public struct Device: Codable, Sendable, Hashable {
            public let base: HexNumber
            public let irq: Int?
        }
        public struct Limits: Codable, Sendable, Hashable {
            public let hsiHz: Int
            public let sysclkMaxHz: Int
            /// Above this HCLK the regulator must be in over-drive.
            public let overdriveAboveHz: Int
            public let apb1MaxHz: Int
            public let apb2MaxHz: Int
            /// PLL input (source / M) and VCO output ranges, inclusive.
            public let vcoInputHz: [Int]
            public let vcoOutputHz: [Int]
            public let pllN: [Int]
            public let pllM: [Int]
            /// The highest HCLK each number of flash wait states allows (index = LATENCY), 2.7–3.6 V.
            public let flashWaitStateMaxHz: [Int]
        }
        public let source: String
        public let rcc: Device
        public let pwr: Device
        public let gpio: [String: Device]
        public let usart1: Device
        public let rng: Device
        /// External interrupt lines the NVIC has (vector table positions after the 16 system ones).
        public let irqCount: Int
        public let limits: Limits
    }
}

extension ChipDescription {
    /// One erasable sector of the main flash.
    public struct Sector: Sendable, Hashable {
        public let index: Int
        public let address: UInt32
        public let size: Int
        public var end: UInt32 { address &+ UInt32(size) }
        public func contains(_ a: UInt32) -> Bool { a >= address && a < end }
    }

    /// The sectors in address order, expanded from the runs in the file.
    public var sectors: [Sector] {
        var result: [Sector] = []
        var address = flash.base.value
        for run in flash.sectors {
            for _ in 0..<run.count {
                let size = run.sizeKB * 1024
                result.append(Sector(index: result.count, address: address, size: size))
                address &+= UInt32(size)
            }
        }
        return result
    }

    public var flashSize: Int { flash.sizeKB * 1024 }

    /// Typical and maximum erase time of a sector of `size` bytes at parallelism `psize`.
    public func eraseTime(sectorSize size: Int, psize: String) -> (typical: Duration, maximum: Duration) {
        guard let row = flash.timing.sectorEraseMs.first(where: { $0.sizeKB * 1024 == size }) else {
            // A file whose timing table misses a sector size: fall back to the largest, the safe side.
            let last = flash.timing.sectorEraseMs.max { $0.sizeKB < $1.sizeKB }!
            let ms = last.milliseconds(psize: psize)
            return (.milliseconds(ms.typical), .milliseconds(ms.maximum))
        }
        let ms = row.milliseconds(psize: psize)
        return (.milliseconds(ms.typical), .milliseconds(ms.maximum))
    }

    /// Reads a chip file; the error names the file and the field that is wrong.
    public static func load(from url: URL) throws -> ChipDescription {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BoardDataError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let chip = try decoder.decode(ChipDescription.self, from: data)
            try chip.checkConsistency(path: url.path)
            return chip
        } catch let error as BoardDataError {
            throw error
        } catch {
            throw BoardDataError.malformed(path: url.path, reason: describe(decodingError: error))
        }
    }

    /// The sector runs must add up to the flash size; a file that disagrees with itself is refused.
    func checkConsistency(path: String) throws {
        let total = flash.sectors.reduce(0) { $0 + $1.count * $1.sizeKB }
        guard total == flash.sizeKB else {
            throw BoardDataError.malformed(
                path: path, reason: "flash.sectors add up to \(total) KB but flash.size_kb is \(flash.sizeKB)")
        }
        guard !flash.parallelism.isEmpty else {
            throw BoardDataError.malformed(path: path, reason: "flash.parallelism is empty")
        }
    }
}

/// A board or chip file that cannot be used.
public enum BoardDataError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case notFound(what: String, searched: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .malformed(path, reason):
            return "\(path) is not a valid description: \(reason); fix the file or restore it from the repository"
        case let .notFound(what, searched):
            return "no \(what) found (looked in \(searched.joined(separator: ", "))); run from the repository or set HIL_BOARDS to its boards/ folder"
        }
    }
}

/// Names the field a JSON decoding error is about, in words a user can act on.
func describe(decodingError error: any Error) -> String {
    // Name fields as the file spells them (dev_id), not as the decoder converted them (devId).
    func snake(_ key: String) -> String {
        key.reduce(into: "") { out, c in
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
    }
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".")
    }
    switch error as? DecodingError {
    case let .keyNotFound(key, context)?:
        return "missing field '\(path(context.codingPath + [key]))'"
    case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
        return "field '\(path(context.codingPath))': \(context.debugDescription)"
    case let .dataCorrupted(context)?:
        return context.codingPath.isEmpty
            ? "not valid JSON (\(context.debugDescription))"
            : "field '\(path(context.codingPath))': \(context.debugDescription)"
    default:
        return "\(error)"
    }
}
