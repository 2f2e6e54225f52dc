/// Puts bytes into an STM32F7's flash through an open probe: check, erase, program, relock, verify.
///
/// Speed comes from the flash controller, not the USB round trip: the core is halted and the probe
/// writes straight into flash in 6 KB transfers, so the next word's SWD transfer overlaps the
/// previous word's programming (the bus stalls only while BSY is set). Sectors whose bytes already
/// match are neither erased nor written.
public struct Flasher {
    public struct Options: Sendable {
        public var verify = true
        /// Compare each sector first and leave those that already hold the image's bytes alone.
        public var skipUnchanged = true
        public init() {}
    }

    public let probe: STLinkProbe
    public let target: IdentifiedTarget

    public init(probe: STLinkProbe, target: IdentifiedTarget) {
        self.probe = probe
        self.target = target
    }

    public func flash(_ data: [FlashData], options: Options = Options(),
                      progress: (FlashProgress) -> Void = { _ in }) throws(FlashError) -> FlashReport {
        let clock = probe.clock
        let started = clock.now
        let plan = try FlashPlan(data: data, sectors: target.sectors)
        let volts = try wrap { () throws(STLinkError) in try probe.targetVoltage() }
        let parallelism = try choosePsize(volts: volts)
        try wrap { () throws(STLinkError) in try CortexM(probe: probe).halt() }

        // 1. Which sectors need work.
        var report = FlashReport(bytes: plan.byteCount, parallelism: parallelism.psize, targetVoltage: volts)
        var todo: [FlashPlan.SectorWork] = []
        var checked = 0
        for work in plan.sectors {
            if options.skipUnchanged, try matches(work, progress: { n in
                progress(FlashProgress(phase: .checking, done: checked + n, total: plan.byteCount, elapsed: clock.now - started, sector: work.sector.index))
            }) {
                report.sectorsUnchanged.append(work.sector.index)
            } else {
                todo.append(work)
            }
            checked += work.byteCount
        }
        report.checkTime = clock.now - started
        guard !todo.isEmpty else {
            report.totalTime = clock.now - started
            return report
        }

        // 2. Erase and program, sector by sector, with the controller unlocked once.
        let controller = STM32F7FlashController(probe: probe, base: target.chip.flash.controllerBase.value)
        do {
            try controller.unlock()
        } catch .stillLocked {
            // A wrong key since the last reset locks the controller until reset (RM0385 3.7.2).
            // The flash is about to be rewritten anyway, so a reset into halt costs nothing.
            try wrap { () throws(STLinkError) in try CortexM(probe: probe).reset(halt: true) }
            try controller.unlock()
            report.recoveredLockout = true
        }
        do {
            try wrap { () throws(STLinkError) in try controller.clearErrors() }
            let total = todo.reduce(0) { $0 + $1.byteCount }
            var done = 0
            for work in todo {
                let eraseStart = clock.now
                progress(FlashProgress(phase: .erasing, done: done, total: total, elapsed: clock.now - started, sector: work.sector.index))
                let time = target.chip.eraseTime(sectorSize: work.sector.size, psize: parallelism.psize)
                try controller.eraseSector(work.sector, accessBytes: parallelism.accessBytes, typical: time.typical, maximum: time.maximum)
                report.sectorsErased.append(work.sector.index)
                report.eraseTime += clock.now - eraseStart
                report.expectedControllerTime += time.typical

                let programStart = clock.now
                report.bytesProgrammed += try program(work, parallelism: parallelism, controller: controller) { n in
                    progress(FlashProgress(phase: .programming, done: done + n, total: total, elapsed: clock.now - started, sector: work.sector.index))
                }
                done += work.byteCount
                report.programTime += clock.now - programStart
            }
            let accessTime = Duration.microseconds(target.chip.flash.timing.programAccessUs.typ)
            report.expectedControllerTime += accessTime * (report.bytesProgrammed / parallelism.accessBytes)
            try wrap { () throws(STLinkError) in try controller.lock() }
        } catch {
            try? controller.setControl(0)
            try? controller.lock()
            throw error
        }

        // 3. Read back what was written.
        if options.verify {
            let verifyStart = clock.now
            let total = todo.reduce(0) { $0 + $1.byteCount }
            var done = 0
            for work in todo {
                for piece in work.pieces {
                    try compare(piece, failOnMismatch: true) { n in
                        progress(FlashProgress(phase: .verifying, done: done + n, total: total, elapsed: clock.now - started, sector: work.sector.index))
                    }
                    done += piece.bytes.count
                }
            }
            report.verifyTime = clock.now - verifyStart
            report.verified = true
        }
        report.totalTime = clock.now - started
        return report
    }

    /// The widest parallelism the supply allows (RM0385 table 4) and the probe can issue:
    /// x16 needs 16-bit memory access, which V2 firmware has from J26.
    func choosePsize(volts: Double?) throws(FlashError) -> ChipDescription.Parallelism {
        // Without a reading (firmware that cannot measure), assume a healthy 3.3 V supply.
        let supply = volts ?? 3.3
        let options = target.chip.flash.parallelism.sorted { $0.accessBytes > $1.accessBytes }
        let usable = options.filter { p in
            supply >= p.minVoltage && (p.accessBytes != 2 || probe.features.contains(.memory16))
        }
        guard let best = usable.first else {
            if supply < 1.0 { throw .probe(.targetNotPowered(volts: supply)) }
            throw .supplyTooLow(volts: supply, minimum: options.map(\.minVoltage).min() ?? 1.7)
        }
        return best
    }

    /// Writes a sector's runs with accesses of the chosen size, then waits for the last one and
    /// checks the controller's error bits once for the whole sector.
    func program(_ work: FlashPlan.SectorWork, parallelism: ChipDescription.Parallelism,
                 controller: STM32F7FlashController, progress: (Int) -> Void) throws(FlashError) -> Int {
        let width: AccessWidth = parallelism.accessBytes == 4 ? .word : parallelism.accessBytes == 2 ? .halfword : .byte
        let erased = UInt8(truncatingIfNeeded: target.chip.flash.erasedByte.value)
        let runs = work.programRuns(width: width.rawValue, erased: erased)
        let operation = "programming sector \(work.sector.index) at 0x\(hex32(work.sector.address))"
        var written = 0
        try wrap { () throws(STLinkError) in
            try controller.setControl(STM32F7FlashController.CR.program | STM32F7FlashController.CR.psize(width.rawValue))
        }
        let chunk = probe.maxTransfer(width: width, write: true)
        progress(0)                      // the phase starts now, not after its first transfer
        for run in runs {
            var offset = 0
            while offset < run.bytes.count {
                let n = min(chunk, run.bytes.count - offset)
                let slice = Array(run.bytes[offset..<offset + n])
                do {
                    try probe.write(run.address &+ UInt32(offset), slice, width: width)
                } catch .memoryFault(let address, _, let status) {
                    // A refused flash write shows up as a bus fault; the controller says why.
                    if let s = try? controller.status(), s.errors != 0 {
                        try? controller.clearErrors()
                        throw FlashError.controller(operation: operation, status: s)
                    }
                    throw FlashError.probe(.memoryFault(address: address, operation: operation, status: status))
                } catch {
                    throw FlashError.probe(error)
                }
                offset += n
                written += n
                progress(min(written, work.byteCount))
            }
        }
        let access = Duration.microseconds(target.chip.flash.timing.programAccessUs.max)
        try controller.waitWhileBusy(operation: operation, firstPoll: .zero, timeout: access * 100 + .milliseconds(100))
        try wrap { () throws(STLinkError) in try controller.setControl(0) }
        return written
    }

    /// Whether the sector already holds the image's bytes; stops reading at the first difference,
    /// so a blank or different sector costs one transfer to rule out.
    func matches(_ work: FlashPlan.SectorWork, progress: (Int) -> Void) throws(FlashError) -> Bool {
        var done = 0
        for piece in work.pieces {
            guard try compare(piece, failOnMismatch: false, progress: { progress(done + $0) }) else { return false }
            done += piece.bytes.count
        }
        return true
    }

    /// Reads `piece`'s range back in probe-sized chunks and compares.
    @discardableResult
    func compare(_ piece: FlashData, failOnMismatch: Bool, progress: (Int) -> Void) throws(FlashError) -> Bool {
        let chunk = probe.maxTransfer(width: .word, write: false)
        var offset = 0
        while offset < piece.bytes.count {
            let n = min(chunk, piece.bytes.count - offset)
            let at = piece.address &+ UInt32(offset)
            let actual = try wrap { () throws(STLinkError) in try probe.read(at, count: n) }
            for i in 0..<n where actual[i] != piece.bytes[offset + i] {
                guard failOnMismatch else { return false }
                throw .verifyMismatch(address: at &+ UInt32(i), expected: piece.bytes[offset + i], actual: actual[i])
            }
            offset += n
            progress(offset)
        }
        return true
    }

    func wrap<T>(_ body: () throws(STLinkError) -> T) throws(FlashError) -> T {
        do { return try body() } catch { throw .probe(error) }
    }
}

public enum FlashPhase: String, Sendable { case checking, erasing, programming, verifying }

public struct FlashProgress: Sendable {
    public let phase: FlashPhase
    public let done: Int
    public let total: Int
    public let elapsed: Duration
    public let sector: Int?
}

/// What a flash did and how long each phase took (on the probe's clock: virtual on a mock board).
public struct FlashReport: Sendable, Equatable {
    public var bytes: Int
    public var parallelism: String
    public var targetVoltage: Double?
    public var sectorsErased: [Int] = []
    public var sectorsUnchanged: [Int] = []
    public var bytesProgrammed = 0
    public var verified = false
    /// The controller had been locked by a wrong key and a reset cleared it.
    public var recoveredLockout = false
    public var checkTime: Duration = .zero
    public var eraseTime: Duration = .zero
    public var programTime: Duration = .zero
    public var verifyTime: Duration = .zero
    public var totalTime: Duration = .zero
    /// What the flash controller alone needs for the same work at the datasheet's typical times.
    public var expectedControllerTime: Duration = .zero

    public init(bytes: Int, parallelism: String, targetVoltage: Double?) {
        self.bytes = bytes
        self.parallelism = parallelism
        self.targetVoltage = targetVoltage
    }
}
