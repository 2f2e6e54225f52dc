import STLink

/// What to flash and how: the user's words from `hilctl flash`, as a value.
public struct FlashRequest: Sendable {
    public var imagePath: String
    public var format: ImageFormat?
    /// Where a BIN goes; the board's flash base when nil.
    public var binaryBase: UInt32?
    /// The board the user says is attached; checked against the chip the probe finds.
    public var board: String?
    public var verify = true
    public var skipUnchanged = true
    public var connectUnderReset = false
    /// Reset and run the new firmware afterwards.
    public var resetAfter = true
    /// The fastest SWD clock the probe offers up to this: 4 MHz on V2/V2-1, 24 MHz on V3.
    public static let defaultSWDKHz = 24000
    public var swdKHz = FlashRequest.defaultSWDKHz

    public init(imagePath: String) { self.imagePath = imagePath }
}

/// What a flash did: which probe and chip, the image as placed, and the flasher's report.
public struct FlashOutcome: Sendable {
    public let probe: ProbeIdentity
    public let probeVersion: ProbeVersion
    public let swdKHz: Int?
    public let target: IdentifiedTarget
    public let image: FirmwareImage
    public let report: FlashReport
}

/// The flashing part of the deployment sequence: image → probe → target → flash → reset.
/// Every check that can refuse the job runs before the first erase.
public struct FlashDeployment {
    public let catalog: BoardCatalog

    public init(catalog: BoardCatalog) { self.catalog = catalog }

    public func run(_ request: FlashRequest, transport: any USBTransport,
                    progress: (FlashProgress) -> Void = { _ in },
                    note: (String) -> Void = { _ in }) throws(DeployError) -> FlashOutcome {
        // 1. The image, checked against the named board before the probe is touched.
        var board: BoardDefinition?
        if let name = request.board {
            let b = try catalog.board(named: name)
            board = b
            _ = try load(request, chip: catalog.chip(for: b), flashKB: b.flashKb)
        }

        // 2. The probe and the chip behind it.
        let probe = STLinkProbe(transport: transport)
        do {
            try probe.open()
            try probe.setSWDFrequency(kHz: request.swdKHz)
            if request.connectUnderReset { try CortexM(probe: probe).connectUnderReset() }
        } catch { throw .link(error) }
        note("probe \(transport.identity.model.name) \(transport.identity.serial), firmware \(probe.version), SWD \(probe.swdFrequencyKHz.map { "\($0) kHz" } ?? "default clock")")
        let identifier = TargetIdentifier(catalog: catalog.chips, otherDevices: otherDevices())
        let target: IdentifiedTarget
        do { target = try identifier.identify(probe) } catch { throw .target(error) }
        note("target \(target.summary)")
        if let board, board.chip != target.chip.name {
            throw .wrongBoard(expected: board.chip, board: board.name, found: target.chip.name)
        }

        // 3. The image against the flash this very part has.
        let image = try load(request, chip: target.chip, flashKB: target.flashSizeKB)
        note("image \(request.imagePath): \(image.format.rawValue.uppercased()), \(image.segments.count) segment(s), \(image.byteCount) bytes")

        // 4. Flash, then let the new firmware run.
        var options = Flasher.Options()
        options.verify = request.verify
        options.skipUnchanged = request.skipUnchanged
        let data = image.segments.map { FlashData(address: $0.address, bytes: $0.bytes) }
        let report: FlashReport
        do { report = try Flasher(probe: probe, target: target).flash(data, options: options, progress: progress) } catch {
            throw .flash(error)
        }
        if request.resetAfter {
            do { try CortexM(probe: probe).reset(halt: false) } catch { throw .link(error) }
        }
        probe.close()
        return FlashOutcome(probe: transport.identity, probeVersion: probe.version, swdKHz: probe.swdFrequencyKHz,
                            target: target, image: image, report: report)
    }

    func load(_ request: FlashRequest, chip: ChipDescription, flashKB: Int) throws(DeployError) -> FirmwareImage {
        let base = chip.flash.base.value
        let region = FlashRegion(name: "flash of \(chip.name) (\(flashKB) KB)", base: base, size: flashKB * 1024,
                                 aliases: chip.flash.itcmAlias.map { [$0.value] } ?? [])
        do {
            let image = try ImageLoader.load(path: request.imagePath, format: request.format, binaryBase: request.binaryBase ?? base)
            return try image.placed(in: region)
        } catch { throw .image(error) }
    }

    func otherDevices() -> [UInt32: String] {
        (try? TargetIdentifier(boardsDirectory: catalog.directory).otherDevices) ?? [:]
    }
}
