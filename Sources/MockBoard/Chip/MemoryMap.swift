/// Where an address lands on the emulated chip.
///
/// The chip description gives the flash (and its ITCM alias), the RAM regions, the flash interface,
/// the flash-size register and DBGMCU; the System Control Space and the private peripheral bus are
/// the Cortex-M architecture's. Everything else — other peripherals, system memory, gaps — faults.
enum BusTarget {
    case flash(offset: Int, viaAlias: Bool)
    case ram(bank: Int, offset: Int)
    case flashInterface(offset: UInt32)
    case flashSizeWord
    /// 0 IDCODE, 1 CR, 2 APB1_FZ, 3 APB2_FZ.
    case dbgmcu(index: Int)
    case scs
    case dwt
    case fpb
    case ppb
    /// A peripheral's register block, at a byte offset from its base.
    case device(ChipDevices.Block, offset: UInt32)
}

extension EmulatedSTM32F7 {
    static let scs: ClosedRange<UInt32> = 0xE000_E000...0xE000_EFFF
    static let ppb: ClosedRange<UInt32> = 0xE000_0000...0xE00F_FFFF
    /// The flash interface decodes a 1 KB block (RM0385 memory map: 0x4002 3C00–0x4002 3FFF).
    static let flashInterfaceSpan: UInt32 = 0x400

    /// Whether `address` is in the flash array, at its own address or its ITCM alias.
    func isFlash(_ address: UInt32) -> Bool {
        let size = UInt32(chip.flashSize)
        if address &- chip.flash.base.value < size { return true }
        if let alias = chip.flash.itcmAlias?.value, address &- alias < size { return true }
        return false
    }

    func decode(_ address: UInt32, size: Int) -> Result<BusTarget, BusFault> {
        guard size == 1 || size == 2 || size == 4 else {
            return .failure(BusFault(address: address, reason: .badSize))
        }
        let last = address &+ UInt32(size - 1)
        guard last >= address else { return .failure(BusFault(address: address, reason: .unmapped)) }

        let dbgmcuBase = chip.dbgmcuIdcodeAddress.value
        if (dbgmcuBase..<dbgmcuBase + 16).contains(address) {
            return aligned(address, size, .dbgmcu(index: Int((address - dbgmcuBase) / 4)))
        }
        if CortexM7Core.Address.debugBlock.contains(address) { return aligned(address, size, .scs) }
        // Everything but the debug registers and DBGMCU sits in the reset domain NRST holds.
        if isHeldInReset { return .failure(BusFault(address: address, reason: .heldInReset)) }

        let flashBase = chip.flash.base.value, flashSize = UInt32(chip.flashSize)
        if let offset = offset(of: address, last: last, in: flashBase, size: flashSize) {
            return .success(.flash(offset: offset, viaAlias: false))
        }
        if let alias = chip.flash.itcmAlias?.value,
           let offset = offset(of: address, last: last, in: alias, size: flashSize) {
            return .success(.flash(offset: offset, viaAlias: true))
        }
        for (bank, region) in chip.ram.enumerated() {
            if let offset = offset(of: address, last: last, in: region.base.value, size: UInt32(region.sizeKB * 1024)) {
                return .success(.ram(bank: bank, offset: offset))
            }
        }
        let interface = chip.flash.controllerBase.value
        if offset(of: address, last: last, in: interface, size: EmulatedSTM32F7.flashInterfaceSpan) != nil {
            return aligned(address, size, .flashInterface(offset: address - interface))
        }
        if address & ~3 == chip.flashSizeRegister.value & ~3 { return aligned(address, size, .flashSizeWord) }
        if let devices, let (block, offset) = devices.locate(address) { return aligned(address, size, .device(block, offset: offset)) }
        if EmulatedSTM32F7.scs.contains(address) { return aligned(address, size, .scs) }
        if DataWatchpointTrace.span.contains(address) { return aligned(address, size, .dwt) }
        if FlashPatchBreakpoint.span.contains(address) { return aligned(address, size, .fpb) }
        if EmulatedSTM32F7.ppb.contains(address) { return aligned(address, size, .ppb) }
        return .failure(BusFault(address: address, reason: .unmapped))
    }

    /// The byte offset of [address, last] inside [base, base + size), if it lies wholly inside.
    private func offset(of address: UInt32, last: UInt32, in base: UInt32, size: UInt32) -> Int? {
        guard address >= base, last - base < size else { return nil }
        return Int(address - base)
    }

    /// Registers take naturally aligned accesses that stay inside one word.
    private func aligned(_ address: UInt32, _ size: Int, _ target: BusTarget) -> Result<BusTarget, BusFault> {
        Lanes.isNatural(address, size: size) ? .success(target) : .failure(BusFault(address: address, reason: .misaligned))
    }
}
