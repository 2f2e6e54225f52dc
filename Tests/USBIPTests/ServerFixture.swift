import Foundation
import Deployer
import MockBoard
import STLink
import USBIP

/// Mock boards exported by a USB/IP server on loopback, on a port the system picks.
final class ServerFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let boardsDirectory = root.appendingPathComponent("boards")
    let catalog: BoardCatalog
    let definition: BoardDefinition
    let boards: [MockBoard]
    let server: MockUSBIPServer
    let events = EventLog()

    /// `serial`: attach each board's VCP (a pty behind the mock UART) and export it too.
    init(boards count: Int = 1, serial: Bool = false, faults: FaultPlan = .none, maxClients: Int = 8) throws {
        catalog = try BoardCatalog(directory: Self.boardsDirectory)
        definition = try catalog.board(named: "stm32f746g-disco")
        let chip = catalog.chip(for: definition)
        boards = (1...count).map { MockBoard(chip: chip, probe: .v2_1(serial: EmulatedProbeConfig.mockSerial($0)), faults: faults) }
        let events = self.events
        server = try MockUSBIPServer(description: MockUSBIPServer.stlinkV21(boardsDirectory: Self.boardsDirectory),
                                     options: .init(host: "127.0.0.1", port: 0, maxClients: maxClients),
                                     log: { events.append($0) })
        for board in boards {
            let path = serial ? try board.attachSerial(MockUARTConfig(board: definition)) : nil
            server.export(board, serialPath: path)
        }
        server.start()
    }

    deinit {
        server.stop()
        for b in boards { b.detachSerial() }
    }

    func address(_ n: Int = 1) -> USBIPAddress { USBIPAddress(host: "127.0.0.1", port: server.port, busid: "1-\(n)") }
}

/// What the server logged, for messages in failed expectations.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Deterministic bytes for images.
func patternBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in
        x = x &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: x >> 24)
    }
}
