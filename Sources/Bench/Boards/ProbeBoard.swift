import Foundation
import Deployer
import HilAPI
import STLink

/// A board behind an ST-LINK: a real one (libusb, its VCP tty found by udev), a mock one (the
/// emulated probe, its VCP a pty) or a remote one (USB/IP, its VCP over the same connection).
/// All flash through the same ST-LINK command layer.
public final class ProbeBoard: BenchBoard, @unchecked Sendable {
    public let id: String
    public let kind: BoardKind
    public let definition: BoardDefinition
    public let probeModel: String?
    private let lock = NSLock()
    private var port: String?
    /// The VCP tty; udev may report it after the probe, or a replug may move it.
    public var serialPort: String? {
        get { lock.withLock { port } }
        set { lock.withLock { port = newValue } }
    }
    public var boardType: String { definition.name }
    public let probeSerial: String?
    /// Driven by one job at a time (the registry guarantees it), so no lock around it.
    private let transport: any USBTransport
    /// What runs the harness: the chip, a mock's emulated core, or the host-compiled harness (which
    /// needs no firmware image: the mock boots it from the info block and model region).
    public let core: BoardCore
    /// Opens the VCP when it is not a tty (a remote board's CDC-ACM port over USB/IP).
    private let serialOpener: (@Sendable (Int) throws -> any SerialConnection)?

    /// `id` defaults to the probe's serial; `openSerial` replaces opening the tty `serialPort`.
    public init(kind: BoardKind, definition: BoardDefinition, transport: any USBTransport, serialPort: String?,
                core: BoardCore = .silicon, id: String? = nil,
                openSerial: (@Sendable (Int) throws -> any SerialConnection)? = nil) {
        self.id = id ?? transport.identity.serial
        serialOpener = openSerial
        self.kind = kind
        self.definition = definition
        self.transport = transport
        port = serialPort
        probeModel = transport.identity.model.name
        probeSerial = transport.identity.serial
        self.core = core
    }

    public func evaluate(_ run: JobRun, catalog: BoardCatalog, hooks: RunHooks) throws(RunError) -> EvaluationReport {
        let runner = EvaluationRunner(catalog: catalog)
        let harness: FirmwareImage? = core == .hostHarness && run.harnessPath == nil ? nil
            : try HarnessFirmware.image(target: definition.name, given: run.harnessPath, catalog: catalog,
                                        base: definition.firmware.harnessRegion.base.value, note: hooks.note)
        var request = run.request
        request.board = definition.name
        let prepared = try runner.prepare(request, harness: harness)
        var flash = request.flash
        flash.board = definition.name
        hooks.phase("flashing")
        let flashImage = runner.flashing(through: transport, flash, note: hooks.note)
        let port = serialPort
        let id = self.id
        return try runner.run(
            prepared, boardKind: kind.rawValue, core: core,
            deploy: { image throws(RunError) in
                try flashImage(image)
                hooks.phase("hello")
            },
            openSerial: { [serialOpener] rate in
                if let serialOpener { return try serialOpener(rate) }
                guard let port else {
                    throw SerialError.cannotOpen(path: "the virtual COM port of \(id)", reason: "udev has not reported a tty with this probe's serial; replug the board")
                }
                return try SerialPort(path: port, baud: rate)
            },
            diagnose: runner.diagnosing(through: transport),
            progress: { p in hooks.phase("streaming"); hooks.progress(p) },
            note: hooks.note, shouldStop: hooks.shouldStop)
    }
}
