import Foundation
import STLink

/// A board hil can deploy to, read from `boards/<name>.json`: which chip it carries, its clocks,
/// its probe and the serial port wired to the probe's virtual COM port.
public struct BoardDefinition: Codable, Sendable, Hashable {
    public struct Probe: Codable, Sendable, Hashable {
        public let vendorId: HexNumber
        public let productId: HexNumber
        public let family: String
    }
    public struct VCP: Codable, Sendable, Hashable {
        public let usart: String
        public let tx: String
        public let rx: String
        public let defaultBaud: Int
    }

    /// Where the harness firmware and the model live in flash (docs/firmware-layout.md).
    public struct Region: Codable, Sendable, Hashable {
        public let base: HexNumber
        public let sizeKb: Int
        public var size: Int { sizeKb * 1024 }
        public var end: UInt64 { UInt64(base.value) + UInt64(size) }
    }
    public struct Firmware: Codable, Sendable, Hashable {
        public let harnessRegion: Region
        public let modelRegion: Region
        /// Offset of the harness info block from the harness region's start.
        public let infoBlockOffset: HexNumber
        public var infoBlockAddress: UInt32 { harnessRegion.base.value + infoBlockOffset.value }
    }
    /// The harness build's memory and line rates on this board.
    public struct Harness: Codable, Sendable, Hashable {
        public let arenaKb: Int
        public let inputBufferKb: Int
        public let bootBaud: Int
        public let maxBaud: Int
        public var arenaBytes: Int { arenaKb * 1024 }
        public var inputBufferBytes: Int { inputBufferKb * 1024 }
    }

    public let name: String
    public let title: String
    /// The chip description's name in `boards/chips` (e.g. "STM32F74x/STM32F75x").
    public let chip: String
    public let part: String
    public let flashKb: Int
    public let ramKb: Int
    public let coreClockHz: Int
    public let hseHz: Int
    public let probe: Probe
    public let vcp: VCP
    public let firmware: Firmware
    public let harness: Harness
}

/// The boards and chips of one `boards/` folder.
public struct BoardCatalog: Sendable {
    public let directory: URL
    public let boards: [BoardDefinition]
    public let chips: ChipCatalog

    public init(directory: URL) throws {
        self.directory = directory
        chips = try ChipCatalog(boardsDirectory: directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var boards: [BoardDefinition] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            do {
                boards.append(try decoder.decode(BoardDefinition.self, from: Data(contentsOf: url)))
            } catch {
                throw BoardDataError.malformed(path: url.path, reason: "\(error)")
            }
        }
        for board in boards where chips.chip(named: board.chip) == nil {
            throw BoardDataError.malformed(path: directory.appendingPathComponent("\(board.name).json").path,
                                           reason: "chip '\(board.chip)' is not described in \(directory.path)/chips")
        }
        self.boards = boards
    }

    /// Finds `boards/` the usual way (see `BoardsDirectory.locate`).
    public static func locate() throws -> BoardCatalog {
        try BoardCatalog(directory: BoardsDirectory.locate())
    }

    public func board(named name: String) throws(DeployError) -> BoardDefinition {
        guard let board = boards.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else {
            throw .unknownBoard(name: name, known: boards.map(\.name))
        }
        return board
    }

    public func chip(for board: BoardDefinition) -> ChipDescription {
        chips.chip(named: board.chip)!   // checked when the catalog was loaded
    }
}
