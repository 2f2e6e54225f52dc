import Foundation
import Deployer
import HilAPI
import Logging
import STLink
import USBIP

extension Bench {
    /// Keeps the remote probes of `usbip_probes` attached: each is imported over USB/IP,
    /// identified like a local probe and registered under HOST:PORT:BUSID; one that cannot be
    /// reached, or whose connection drops, is offline and tried again every `usbip_retry_seconds`.
    /// Ends when the bench's task is cancelled.
    func watchRemoteProbes() async {
        let addresses = configuration.usbipProbes.compactMap { try? USBIPAddress(parsing: $0) }   // validated at load
        guard !addresses.isEmpty else { return }
        while !Task.isCancelled {
            for address in addresses where registry.handle(Self.remoteID(address)) == nil {
                await connectRemote(address)
            }
            try? await Task.sleep(for: .seconds(configuration.usbipRetrySeconds))
        }
    }

    /// A remote board's id: stable across reconnects, and safe in an API path (no slash).
    public static func remoteID(_ address: USBIPAddress) -> String { "\(address.server):\(address.busid)" }

    private func connectRemote(_ address: USBIPAddress) async {
        let id = Self.remoteID(address)
        let catalog = self.catalog
        let result = await onThread { () -> Result<RemoteProbe, IdentifyProblem> in
            let transport: USBIPTransport
            do { transport = try USBIPProbes.open(address) } catch {
                return .failure(IdentifyProblem(message: "\(error)"))
            }
            return Self.identify(transport: transport, catalog: catalog).map { RemoteProbe(transport: transport, definition: $0.definition) }
        }
        switch result {
        case let .success(remote):
            let device = remote.transport.device
            let board = ProbeBoard(kind: device.isHilMockBoard ? .mock : .usb, definition: remote.definition,
                                   transport: remote.transport, serialPort: address.description,
                                   core: device.isHilMockBoard ? .remoteMock(chip: remote.definition.part) : .silicon, id: id,
                                   openSerial: { rate in try USBIPSerialPort(device: device, baud: rate) })
            attach(board)
            // Registered after the attach: a connection already gone reports at once, and is
            // then handled after it, not before.
            device.connection.onDisconnect { [weak self, weak board] (reason: String) in
                guard let self, let board else { return }
                Task { await self.remoteDropped(board, reason: reason) }
            }
        case let .failure(problem):
            let retry = "retrying every \(Self.seconds(configuration.usbipRetrySeconds))"
            let before = registry.info(id)?.reason
            let info = registry.unavailable(id, kind: registry.info(id)?.kind ?? .usb, boardType: registry.info(id)?.boardType ?? "unknown",
                                            serialPort: address.description, reason: "\(problem.message); \(retry)")
            persist(info)
            if before != info.reason { logger.warning("remote probe \(address): \(problem.message); \(retry)") }
        }
    }

    /// The connection of an attached remote board ended: offline until a retry brings it back.
    /// A job on it fails through its own I/O and is retried on another board.
    private func remoteDropped(_ board: ProbeBoard, reason: String) {
        guard let current = registry.handle(board.id), current === board else { return }   // an older connection
        let retry = "reconnecting every \(Self.seconds(configuration.usbipRetrySeconds))"
        guard let info = registry.detach(board.id, reason: "the USB/IP connection dropped (\(reason)); \(retry)") else { return }
        persist(info)
        logger.notice("remote board \(board.id) went offline: \(reason)\(info.currentJob.map { "; job \($0) fails over to another board" } ?? "")")
    }

    private static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    struct RemoteProbe: @unchecked Sendable { let transport: USBIPTransport; let definition: BoardDefinition }
}
