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
        // The image, checked against the named board before the probe is touched.
        if let name = request.board {
            let b = try catalog.board(named: name)
            _ = try load(request, chip: catalog.chip(for: b), flashKB: b.flashKb)
        }
        return try flash(request, transport: transport, progress: progress, note: note) { chip, flashKB throws(DeployError) in
            try load(request, chip: chip, flashKB: flashKB)
        }
    }

    /// Flashes an image built in memory (a packed harness + model), placed as a file would be.
    public func run(image: FirmwareImage, _ request: FlashRequest, transport: any USBTransport,
                    progress: (FlashProgress) -> Void = { _ in },
                    note: (String) -> Void = { _ in }) throws(DeployError) -> FlashOutcome {
        try flash(request, transport: transport, progress: progress, note: note) { chip, flashKB throws(DeployError) in
            let flash = region(chip: chip, flashKB: flashKB)
            do throws(ImageError) { return try image.placed(in: flash) } catch { throw DeployError.image(error) }
        }
    }

    /// The sequence after the image is known: probe → target → placed image → flash → reset.
    func flash(_ request: FlashRequest, transport: any USBTransport, progress: (FlashProgress) -> Void,
               note: (String) -> Void,
               image makeImage: (ChipDescription, Int) throws(DeployError) -> FirmwareImage) throws(DeployError) -> FlashOutcome {
        let board = try request.board.map { name throws(DeployError) in try catalog.board(named: name) }
        let probe = STLinkProbe(transport: transport)
        do {
            try probe.open()
            try probe.setSWDFrequency(kHz: request.swdKHz)
            if request.connectUnderReset { try CortexM(probe: probe).connectUnderReset() }
        } catch { throw .link(error) }
        note("probe \(transport.identity.model.name) \(transport.identity.serial), firmware \(probe.version), SWD \(probe.swdFrequencyKHz.map { "\($0) kHz" } ?? "default clock")")
        let identifier = TargetIdentifier(catalog: catalog.chips)
        let target: IdentifiedTarget
        do { target = try identifier.identify(probe) } catch { throw .target(error) }
        note("target \(target.summary)")
        if let board, board.chip != target.chip.name {
            throw .wrongBoard(expected: board.chip, board: board.name, found: target.chip.name)
        }

        // The image against the flash this very part has.
        let image = try makeImage(target.chip, target.flashSizeKB)
        note("image \(image.path): \(image.format.rawValue.uppercased()), \(image.segments.count) segment(s), \(image.byteCount) bytes")

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
        do {
            let image = try ImageLoader.load(path: request.imagePath, format: request.format,
                                             binaryBase: request.binaryBase ?? chip.flash.base.value)
            return try image.placed(in: region(chip: chip, flashKB: flashKB))
        } catch { throw .image(error) }
    }

    func region(chip: ChipDescription, flashKB: Int) -> FlashRegion {
        FlashRegion(name: "flash of \(chip.name) (\(flashKB) KB)", base: chip.flash.base.value, size: flashKB * 1024,
                    aliases: chip.flash.itcmAlias.map { [$0.value] } ?? [])
    }

}
