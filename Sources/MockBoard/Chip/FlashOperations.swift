import STLink

/// Erase and program, as RM0385 §3.3.6–3.3.8 describe them, with their time on the virtual clock.
extension FlashController {
    /// Ends the running operation if its time is up: BSY and STRT clear, and EOP sets — only when
    /// EOPIE is set. RM0385 FLASH_SR: "EOP: Set by hardware when one or more Flash memory operations
    /// (program/erase) has/have completed successfully. It is set only if the end of operation
    /// interrupts are enabled (EOPIE = 1)." A driver that waits for EOP without EOPIE waits forever.
    func settle() {
        guard let until = busyUntil, clock.now >= until else { return }
        busyUntil = nil
        cr &= ~CR.strt
        if cr & CR.eopie != 0 { sr |= SR.eop }
    }

    /// The bus stalls an access that must wait for BSY: the clock moves to the end of the operation.
    /// This is how the next word's SWD transfer overlaps the previous word's programming.
    func waitWhileBusy() {
        if let until = busyUntil { clock.advance(to: until) }
        settle()
    }

    /// Sets an error flag. OPERR joins it only if ERRIE is set (RM0385 FLASH_SR, bit 1).
    func flag(_ bit: UInt32) {
        sr |= bit
        if cr & CR.errie != 0 { sr |= SR.operr }
    }

    private func begin(_ duration: Duration) {
        busyUntil = clock.now + duration
        statistics.flashBusyTime += duration
    }

    /// PSIZE (CR bits 8–9) as the chip file names it, and that parallelism's facts if the chip has it.
    var parallelism: ChipDescription.Parallelism? {
        let name = ["x8", "x16", "x32", "x64"][Int((cr & CR.psizeMask) >> CR.psizeShift)]
        return chip.flash.parallelism.first { $0.psize == name }
    }

    /// Below a parallelism's minimum supply the cells do not program or erase reliably. We model that
    /// deterministically as the worst case a driver can meet: the operation runs its full time, ends
    /// with no error flag (and EOP if enabled), and leaves the cells as they were. Only a read-back
    /// verify catches it — which is the point: a driver must verify, and should pick PSIZE from the
    /// measured target voltage.
    private func cellsRespond(to p: ChipDescription.Parallelism) -> Bool {
        supplyVoltage >= p.minVoltage
    }

    // MARK: control register

    /// A CR write waits for BSY, is ignored while LOCK is set, sets LOCK if asked, and starts an erase
    /// when STRT is written.
    func writeControl(_ value: UInt32) {
        waitWhileBusy()
        guard !isLocked else { return }
        if value & CR.lock != 0 {
            cr = value & ~CR.strt
            keyStage = 0
            return
        }
        cr = value
        if value & CR.strt != 0 { startErase() }
    }

    /// SER erases sector SNB, MER the whole array; with both set (or neither) nothing runs. RM0385
    /// names no error flag for SER+MER, so none is set: only a read-back shows the erase did not
    /// happen. An SNB past the last sector is a badly configured CR: ERSERR.
    /// PSIZE x64 needs an external VPP the board does not have, and the chip file lists no x64
    /// parallelism: PGPERR, nothing runs.
    private func startErase() {
        let sectorErase = cr & CR.ser != 0, massErase = cr & CR.mer != 0
        guard sectorErase != massErase else { cr &= ~CR.strt; return }
        guard let p = parallelism else { flag(SR.pgperr); cr &= ~CR.strt; return }
        let erased = UInt8(truncatingIfNeeded: chip.flash.erasedByte.value)
        if massErase {
            // A mass erase is refused if any sector is write-protected.
            guard writeProtected.isEmpty else { flag(SR.wrperr); cr &= ~CR.strt; return }
            let times = chip.flash.timing.massEraseMs
            let ms = p.psize == "x8" ? times.x8 : p.psize == "x16" ? times.x16 : times.x32
            if cellsRespond(to: p) { cells.fill(0..<cells.count, with: erased); generation += 1 }
            statistics.massErases += 1
            begin(.milliseconds(ms[0]))
            return
        }
        let index = Int((cr & CR.snbMask) >> CR.snbShift)
        guard index < sectors.count else { flag(SR.erserr); cr &= ~CR.strt; return }
        guard !writeProtected.contains(index) else { flag(SR.wrperr); cr &= ~CR.strt; return }
        let sector = sectors[index]
        if cellsRespond(to: p) {
            let start = Int(sector.address - chip.flash.base.value)
            cells.fill(start..<(start + sector.size), with: erased)
            generation += 1
        }
        statistics.sectorErases[index, default: 0] += 1
        begin(chip.eraseTime(sectorSize: sector.size, psize: p.psize).typical)
    }

    // MARK: the flash array

    /// Reads wait for BSY; while the array is busy the bus stalls rather than returning stale data.
    func readCells(offset: Int, size: Int) -> UInt32 {
        waitWhileBusy()
        return cells.littleEndian(at: offset, size: size)
    }

    /// A write to the array is a program request. Checks in order: the controller must be unlocked
    /// with PG set (else ERSERR, RM0385's name for the F4's PGSERR); the access size must match PSIZE
    /// (PGPERR); the bytes must sit in one row of `row_bytes` (PGAERR); the sector must not be
    /// write-protected (WRPERR). A refused write changes nothing. Flash only clears bits: the cells
    /// become old AND written.
    func programCells(offset: Int, size: Int, value: UInt32) {
        waitWhileBusy()
        guard !isLocked, cr & CR.pg != 0 else { flag(SR.erserr); return }
        guard let p = parallelism, p.accessBytes == size else { flag(SR.pgperr); return }
        let row = chip.flash.rowBytes
        guard offset / row == (offset + size - 1) / row else { flag(SR.pgaerr); return }
        let address = chip.flash.base.value + UInt32(offset)
        if let sector = sectors.first(where: { $0.contains(address) }), writeProtected.contains(sector.index) {
            flag(SR.wrperr)
            return
        }
        if cellsRespond(to: p) {
            for i in 0..<size { cells[offset + i] &= UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
            generation += 1
        }
        statistics.programAccesses[size, default: 0] += 1
        begin(.microseconds(chip.flash.timing.programAccessUs.typ))
    }
}
