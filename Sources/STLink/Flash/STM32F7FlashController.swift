/// The STM32F7 embedded-flash controller, register by register (RM0385 section 3).
/// Knows the sequences; the plan of what to erase and write lives in `Flasher`.
struct STM32F7FlashController {
    enum Offset {
        static let keyr: UInt32 = 0x04
        static let sr: UInt32 = 0x0C
        static let cr: UInt32 = 0x10
    }
    enum CR {
        static let program: UInt32 = 1 << 0
        static let sectorErase: UInt32 = 1 << 1
        static let massErase: UInt32 = 1 << 2
        static func sectorNumber(_ n: Int) -> UInt32 { UInt32(n & 0xF) << 3 }
        static func psize(_ bytes: Int) -> UInt32 { UInt32(bytes == 4 ? 2 : bytes == 2 ? 1 : 0) << 8 }
        static let start: UInt32 = 1 << 16
        static let lock: UInt32 = 1 << 31
    }
    static let key1: UInt32 = 0x4567_0123
    static let key2: UInt32 = 0xCDEF_89AB

    let probe: STLinkProbe
    let base: UInt32

    var sr: UInt32 { base + Offset.sr }
    var cr: UInt32 { base + Offset.cr }

    func isLocked() throws(STLinkError) -> Bool { try probe.read32(cr) & CR.lock != 0 }

    /// Writes the two keys once, only when locked: a key written to an unlocked controller is a
    /// wrong sequence and locks it until reset.
    func unlock() throws(FlashError) {
        do {
            guard try isLocked() else { return }
            try probe.write32(base + Offset.keyr, Self.key1)
            try probe.write32(base + Offset.keyr, Self.key2)
            guard try !isLocked() else { throw FlashError.stillLocked }
        } catch let error as FlashError {
            throw error
        } catch let error as STLinkError {
            // A wrong-key lockout answers the key write with a bus fault.
            if case .memoryFault = error { throw FlashError.stillLocked }
            throw FlashError.probe(error)
        } catch { throw FlashError.probe(.invalidRequest("\(error)")) }
    }

    func lock() throws(STLinkError) { try probe.write32(cr, CR.lock) }

    func status() throws(STLinkError) -> FlashStatus { FlashStatus(rawValue: try probe.read32(sr)) }

    /// Error bits are cleared by writing 1 to them.
    func clearErrors() throws(STLinkError) {
        try probe.write32(sr, FlashStatus.errorMask | FlashStatus.endOfOperation)
    }

    func setControl(_ value: UInt32) throws(STLinkError) { try probe.write32(cr, value) }

    /// Erases one sector: SER, SNB and PSIZE first, then STRT, then wait. The first poll comes after
    /// the typical time so a real probe is not flooded with reads during a second-long erase.
    func eraseSector(_ sector: ChipDescription.Sector, accessBytes: Int, typical: Duration, maximum: Duration) throws(FlashError) {
        let setup = CR.sectorErase | CR.sectorNumber(sector.index) | CR.psize(accessBytes)
        do {
            try setControl(setup)
            try setControl(setup | CR.start)
        } catch { throw .probe(error) }
        try waitWhileBusy(operation: "erase of sector \(sector.index) at 0x\(hex32(sector.address))",
                          firstPoll: typical, timeout: maximum * 2)
        do { try setControl(0) } catch { throw .probe(error) }
    }

    /// Polls BSY, then checks the error bits of the operation that just ended.
    func waitWhileBusy(operation: String, firstPoll: Duration, timeout: Duration) throws(FlashError) {
        let clock = probe.clock
        let start = clock.now
        clock.sleep(for: firstPoll)
        var interval = Duration.milliseconds(1)
        while true {
            let s: FlashStatus
            do { s = try status() } catch { throw .probe(error) }
            if !s.isBusy {
                if s.errors != 0 {
                    try? clearErrors()
                    throw .controller(operation: operation, status: s)
                }
                return
            }
            guard clock.now - start < timeout else { throw .timeout(operation: operation, after: timeout) }
            clock.sleep(for: interval)
            interval = min(interval * 2, .milliseconds(20))
        }
    }
}
