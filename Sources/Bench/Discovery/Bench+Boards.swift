import Foundation
import Deployer
import HilAPI
import STLink
import Logging

extension Bench {
    /// Adds or brings back a board; `problem` keeps it offline with that reason.
    func attach(_ board: any BenchBoard, problem: String? = nil) {
        let info = registry.attach(board, tags: configuration.tags[board.id] ?? [], problem: problem)
        persist(info)
        logger.info("board \(board.id) (\(board.kind.rawValue) \(board.boardType)) is \(info.state.rawValue)\(info.reason.map { ": \($0)" } ?? "")")
        wake()
    }

    /// A probe showed up (udev add, or a configured mock board at start): open it, identify the
    /// target over SWD, match a board definition, and register it under the probe's serial.
    func probeAppeared(serial: String, tty: String?) async {
        let connector = self.connector
        let catalog = self.catalog
        let isMock = mockBus?.serials.contains(serial) ?? false
        let identified = await onThread { Self.identify(serial: serial, connector: connector, catalog: catalog) }
        switch identified {
        case let .success(opened):
            let core: BoardCore = !isMock ? .silicon
                : mockBus?.core == .hostHarness ? .hostHarness : .emulatedSTM32(opened.definition.part)
            let board = ProbeBoard(kind: isMock ? .mock : .usb, definition: opened.definition, transport: opened.transport,
                                   serialPort: tty, core: core)
            attach(board, problem: tty == nil ? "no virtual COM port (tty) with serial \(serial) yet; udev reports it once the CDC-ACM driver binds" : nil)
        case let .failure(problem):
            logger.warning("probe \(serial): \(problem.message)")
            var info = registry.info(serial) ?? BoardInfo(id: serial, kind: isMock ? .mock : .usb, boardType: problem.boardType ?? "unknown")
            info.state = info.state == .quarantined ? .quarantined : .offline
            info.reason = problem.message
            info.serialPort = tty
            info.lastSeen = Date()
            registry.remember([info])
            persist(info)
        }
    }

    /// udev said the probe's tty came, went or moved.
    func probeTTYChanged(serial: String, tty: String?) {
        if let board = registry.handle(serial) as? ProbeBoard { board.serialPort = tty }
        registry.setSerialPort(serial, tty)
        if let info = registry.info(serial) { persist(info) }
        wake()
    }

    /// udev said the probe is gone.
    func probeVanished(serial: String) {
        guard let info = registry.detach(serial, reason: "unplugged (udev remove)") else { return }
        persist(info)
        logger.notice("board \(serial) unplugged\(info.currentJob.map { " during job \($0); the job fails over to another board" } ?? "")")
    }

    struct IdentifyProblem: Error { let message: String; var boardType: String? = nil }
    /// An opened probe handed from the identifying thread to the board that will own it.
    struct OpenedProbe: @unchecked Sendable { let transport: any USBTransport; let definition: BoardDefinition }

    /// Opens the probe and reads the target's identity; the board definition is the one whose
    /// chip and probe match (a board file names both).
    static func identify(serial: String, connector: any ProbeConnector, catalog: BoardCatalog)
        -> Result<OpenedProbe, IdentifyProblem> {
        let transport: any USBTransport
        do { transport = try connector.open(serial: serial) } catch {
            return .failure(IdentifyProblem(message: "cannot open the probe: \(error)"))
        }
        return identify(transport: transport, catalog: catalog)
    }

    /// Identifies the target behind an opened probe and picks its board definition.
    static func identify(transport: any USBTransport, catalog: BoardCatalog) -> Result<OpenedProbe, IdentifyProblem> {
        let probe = STLinkProbe(transport: transport)
        defer { probe.close() }
        do { try probe.open() } catch {
            return .failure(IdentifyProblem(message: "the probe does not answer: \(error.description)"))
        }
        let target: IdentifiedTarget
        do { target = try TargetIdentifier(catalog: catalog.chips).identify(probe, allowUnsupported: true) } catch {
            return .failure(IdentifyProblem(message: "no usable target behind the probe: \(error.description)"))
        }
        let pid = transport.identity.model.productID
        let candidates = catalog.boards.filter { $0.chip == target.chip.name }
        guard let definition = candidates.first(where: { UInt16(truncatingIfNeeded: $0.probe.productId.value) == pid }) ?? candidates.first else {
            return .failure(IdentifyProblem(message: "the target is \(target.summary), and no board file in \(catalog.directory.path) uses that chip; add one (see boards/stm32f746g-disco.json)"))
        }
        return .success(OpenedProbe(transport: transport, definition: definition))
    }
}
