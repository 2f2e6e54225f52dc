import Foundation

/// RCC and PWR of the STM32F74x (RM0385 §5 "Reset and clock control", §4 "Power controller"),
/// as far as clocking a core and its buses goes.
///
/// Oscillators and the PLL are ready as soon as they are enabled (a real HSE takes ~2 ms; nothing
/// the harness does depends on it). SWS follows SW once the chosen source is ready. What the
/// datasheet forbids is recorded as a `ConfigurationFault` when it takes effect: a PLL outside its
/// input/VCO ranges, SYSCLK over its maximum or over 180 MHz without over-drive, an APB bus over
/// its limit, or too few flash wait states for HCLK. The clocks keep the values configured, so a
/// wrong one shows downstream too (a UART at the wrong rate).
final class ResetAndClockControl: RegisterBlock {
    enum Offset {
        static let cr: UInt32 = 0x00, pllcfgr: UInt32 = 0x04, cfgr: UInt32 = 0x08
        static let ahb1enr: UInt32 = 0x30, ahb2enr: UInt32 = 0x34, apb1enr: UInt32 = 0x40, apb2enr: UInt32 = 0x44
        static let dckcfgr2: UInt32 = 0x90
    }
    enum CR {
        static let hsion: UInt32 = 1 << 0, hsirdy: UInt32 = 1 << 1, hseon: UInt32 = 1 << 16
        static let hserdy: UInt32 = 1 << 17, hsebyp: UInt32 = 1 << 18, pllon: UInt32 = 1 << 24, pllrdy: UInt32 = 1 << 25
        static let plli2son: UInt32 = 1 << 26, plli2srdy: UInt32 = 1 << 27, pllsaion: UInt32 = 1 << 28, pllsairdy: UInt32 = 1 << 29
    }
    // Enable bits the emulated peripherals are gated by.
    static let gpioEnable: [String: UInt32] = ["A": 1 << 0, "B": 1 << 1]
    static let rngEnable: UInt32 = 1 << 6        // AHB2ENR
    static let pwrEnable: UInt32 = 1 << 28       // APB1ENR
    static let usart1Enable: UInt32 = 1 << 4     // APB2ENR

    private let limits: ChipLimits
    private let hseHz: Int
    private let clock: CoreClock
    /// FLASH_ACR.LATENCY, read from the flash interface when HCLK changes.
    private let flashLatency: () -> Int
    private let record: (ConfigurationFault) -> Void

    private(set) var cr: UInt32 = 0
    private(set) var pllcfgr: UInt32 = 0
    private(set) var cfgr: UInt32 = 0
    private(set) var ahb1enr: UInt32 = 0, ahb2enr: UInt32 = 0, apb1enr: UInt32 = 0, apb2enr: UInt32 = 0
    private(set) var dckcfgr2: UInt32 = 0
    private var other: [UInt32: UInt32] = [:]
    // PWR
    private(set) var pwrCR1: UInt32 = 0

    struct ChipLimits {
        let hsiHz: Int, sysclkMaxHz: Int, overdriveAboveHz: Int, apb1MaxHz: Int, apb2MaxHz: Int
        let vcoInputHz: ClosedRange<Int>, vcoOutputHz: ClosedRange<Int>, pllN: ClosedRange<Int>, pllM: ClosedRange<Int>
        let flashWaitStateMaxHz: [Int]
    }

    init(limits: ChipLimits, hseHz: Int, clock: CoreClock, flashLatency: @escaping () -> Int,
         record: @escaping (ConfigurationFault) -> Void) {
        self.limits = limits
        self.hseHz = hseHz
        self.clock = clock
        self.flashLatency = flashLatency
        self.record = record
        reset()
    }

    func reset() {
        cr = 0x0000_0083              // HSION, HSIRDY, HSITRIM = 16
        pllcfgr = 0x2400_3010
        cfgr = 0
        ahb1enr = 0x0010_0000         // DTCMRAMEN
        ahb2enr = 0; apb1enr = 0; apb2enr = 0
        dckcfgr2 = 0
        other = [:]
        pwrCR1 = 0x0000_C000          // VOS scale 1
        clock.hz = Double(limits.hsiHz)
    }

    // MARK: derived clocks

    var pllSourceHz: Int { pllcfgr & (1 << 22) != 0 ? hseHz : limits.hsiHz }
    var pllM: Int { Int(pllcfgr & 0x3F) }
    var pllN: Int { Int((pllcfgr >> 6) & 0x1FF) }
    var pllP: Int { 2 * (Int((pllcfgr >> 16) & 3) + 1) }
    var pllQ: Int { Int((pllcfgr >> 24) & 0xF) }
    var vcoHz: Int { pllM == 0 ? 0 : pllSourceHz / pllM * pllN }

    var sysclkHz: Int {
        switch (cfgr >> 2) & 3 {      // SWS: what the system clock really is
        case 1: return hseHz
        case 2: return pllP == 0 ? 0 : vcoHz / pllP
        default: return limits.hsiHz
        }
    }
    var hclkHz: Int {
        let hpre = Int((cfgr >> 4) & 0xF)
        let div = hpre < 8 ? 1 : [2, 4, 8, 16, 64, 128, 256, 512][hpre - 8]
        return sysclkHz / div
    }
    private func apbHz(_ field: UInt32) -> Int { field < 4 ? hclkHz : hclkHz / (2 << Int(field - 4)) }
    var pclk1Hz: Int { apbHz((cfgr >> 10) & 7) }
    var pclk2Hz: Int { apbHz((cfgr >> 13) & 7) }
    /// The 48 MHz domain (RNG, USB): the main PLL's Q output unless CK48MSEL picks PLLSAI.
    var ck48Hz: Int { (cr & CR.pllrdy) != 0 && pllQ >= 2 && dckcfgr2 & (1 << 27) == 0 ? vcoHz / pllQ : 0 }
    /// USART1's kernel clock (DCKCFGR2.USART1SEL).
    var usart1KernelHz: Int {
        switch dckcfgr2 & 3 {
        case 1: return sysclkHz
        case 2: return limits.hsiHz
        case 3: return 32768
        default: return pclk2Hz
        }
    }
    var overdriveReady: Bool { pwrCSR1 & (1 << 17) != 0 }

    func isEnabled(ahb1 bits: UInt32) -> Bool { ahb1enr & bits == bits }
    func isEnabled(ahb2 bits: UInt32) -> Bool { ahb2enr & bits == bits }
    func isEnabled(apb1 bits: UInt32) -> Bool { apb1enr & bits == bits }
    func isEnabled(apb2 bits: UInt32) -> Bool { apb2enr & bits == bits }

    // MARK: RCC registers

    func read(offset: UInt32) -> UInt32 {
        switch offset {
        case Offset.cr: return cr
        case Offset.pllcfgr: return pllcfgr
        case Offset.cfgr: return cfgr
        case Offset.ahb1enr: return ahb1enr
        case Offset.ahb2enr: return ahb2enr
        case Offset.apb1enr: return apb1enr
        case Offset.apb2enr: return apb2enr
        case Offset.dckcfgr2: return dckcfgr2
        default: return other[offset] ?? 0
        }
    }

    func write(offset: UInt32, value: UInt32, mask: UInt32) {
        switch offset {
        case Offset.cr: writeCR(cr.merged(value, mask: mask))
        case Offset.pllcfgr:
            // Writable only with the PLL off (RM0385 §5.3.2); otherwise the write has no effect.
            if cr & CR.pllon == 0 { pllcfgr = pllcfgr.merged(value, mask: mask) & 0x0F43_7FFF | 0x2000_0000 }
        case Offset.cfgr: writeCFGR(cfgr.merged(value, mask: mask))
        case Offset.ahb1enr: ahb1enr = ahb1enr.merged(value, mask: mask)
        case Offset.ahb2enr: ahb2enr = ahb2enr.merged(value, mask: mask)
        case Offset.apb1enr: apb1enr = apb1enr.merged(value, mask: mask)
        case Offset.apb2enr: apb2enr = apb2enr.merged(value, mask: mask)
        case Offset.dckcfgr2: dckcfgr2 = dckcfgr2.merged(value, mask: mask)
        default: other[offset] = (other[offset] ?? 0).merged(value, mask: mask)
        }
    }

    private func writeCR(_ value: UInt32) {
        var next = value & ~(CR.hsirdy | CR.hserdy | CR.pllrdy | CR.plli2srdy | CR.pllsairdy)
        // The HSI cannot be stopped while it clocks the system or the PLL that does.
        if (cfgr >> 2) & 3 == 0 { next |= CR.hsion }
        if next & CR.hsion != 0 { next |= CR.hsirdy }
        if next & CR.hseon != 0, hseHz > 0 { next |= CR.hserdy }
        if next & CR.pllon != 0 {
            if cr & CR.pllon == 0 { checkPLL() }
            let sourceReady = pllcfgr & (1 << 22) != 0 ? next & CR.hserdy != 0 : next & CR.hsirdy != 0
            if sourceReady { next |= CR.pllrdy }
        }
        if next & CR.plli2son != 0 { next |= CR.plli2srdy }
        if next & CR.pllsaion != 0 { next |= CR.pllsairdy }
        cr = next
        updateSystemClock()
    }

    private func checkPLL() {
        let input = pllM == 0 ? 0 : pllSourceHz / pllM
        if !limits.pllM.contains(pllM) { fault("PLLM = \(pllM) is outside \(limits.pllM)") }
        if !limits.pllN.contains(pllN) { fault("PLLN = \(pllN) is outside \(limits.pllN)") }
        if !limits.vcoInputHz.contains(input) { fault("PLL input \(mhz(input)) is outside \(mhz(limits.vcoInputHz.lowerBound))–\(mhz(limits.vcoInputHz.upperBound))") }
        if !limits.vcoOutputHz.contains(vcoHz) { fault("VCO \(mhz(vcoHz)) is outside \(mhz(limits.vcoOutputHz.lowerBound))–\(mhz(limits.vcoOutputHz.upperBound))") }
    }

    private func writeCFGR(_ value: UInt32) {
        let sw = value & 3
        var sws = (cfgr >> 2) & 3
        switch sw {
        case 0 where cr & CR.hsirdy != 0: sws = 0
        case 1 where cr & CR.hserdy != 0: sws = 1
        case 2 where cr & CR.pllrdy != 0: sws = 2
        default: break     // the source is not ready: the switch waits (SWS stays)
        }
        cfgr = (value & ~UInt32(0xC)) | (sws << 2)
        updateSystemClock()
    }

    private var lastChecked: (Int, Int, Int, Int)?

    /// HCLK drives the core: convert cycles at the new rate, and check the limits at every change.
    private func updateSystemClock() {
        if cr & CR.pllrdy == 0, (cfgr >> 2) & 3 == 2 {   // the PLL stopped under the system clock
            cfgr &= ~UInt32(0xF)
        }
        let current = (sysclkHz, hclkHz, pclk1Hz, pclk2Hz)
        guard lastChecked.map({ $0 != current }) ?? true else { return }
        lastChecked = current
        clock.hz = Double(max(hclkHz, 1))
        checkClocks()
    }

    /// Flash latency is checked when HCLK rises and again when ACR changes.
    func checkClocks() {
        if sysclkHz > limits.sysclkMaxHz { fault("SYSCLK \(mhz(sysclkHz)) is over the \(mhz(limits.sysclkMaxHz)) maximum") }
        if hclkHz > limits.overdriveAboveHz && !overdriveReady {
            fault("HCLK \(mhz(hclkHz)) needs over-drive (above \(mhz(limits.overdriveAboveHz))), and PWR_CSR1.ODSWRDY is clear")
        }
        if pclk1Hz > limits.apb1MaxHz { fault("APB1 \(mhz(pclk1Hz)) is over the \(mhz(limits.apb1MaxHz)) maximum") }
        if pclk2Hz > limits.apb2MaxHz { fault("APB2 \(mhz(pclk2Hz)) is over the \(mhz(limits.apb2MaxHz)) maximum") }
        let latency = flashLatency()
        let needed = limits.flashWaitStateMaxHz.firstIndex { hclkHz <= $0 } ?? limits.flashWaitStateMaxHz.count
        if latency < needed {
            fault("FLASH_ACR.LATENCY = \(latency) wait states is too few for HCLK \(mhz(hclkHz)) (needs \(needed), RM0385 table 7 at 2.7–3.6 V)", peripheral: "FLASH")
        }
    }

    private func fault(_ message: String, peripheral: String = "RCC") {
        record(ConfigurationFault(peripheral: peripheral, message: message, cycle: clock.cycles))
    }

    private func mhz(_ hz: Int) -> String {
        hz % 1_000_000 == 0 ? "\(hz / 1_000_000) MHz" : String(format: "%.3f MHz", Double(hz) / 1e6)
    }

    // MARK: PWR (gated by APB1ENR.PWREN)

    /// VOSRDY once the PLL runs (the scale takes effect then); ODRDY once over-drive is enabled
    /// with the PLL on; ODSWRDY once the switch to it is asked for.
    var pwrCSR1: UInt32 {
        var value: UInt32 = 0
        let pllOn = cr & CR.pllrdy != 0
        if pllOn { value |= 1 << 14 }
        if pllOn && pwrCR1 & (1 << 16) != 0 {
            value |= 1 << 16
            if pwrCR1 & (1 << 17) != 0 { value |= 1 << 17 }
        }
        return value
    }

    func readPWR(offset: UInt32) -> UInt32 {
        guard isEnabled(apb1: Self.pwrEnable) else { return 0 }
        switch offset {
        case 0x00: return pwrCR1
        case 0x04: return pwrCSR1
        default: return 0
        }
    }

    func writePWR(offset: UInt32, value: UInt32, mask: UInt32) {
        guard isEnabled(apb1: Self.pwrEnable), offset == 0x00 else { return }
        pwrCR1 = pwrCR1.merged(value, mask: mask)
        lastChecked = nil
        updateSystemClock()
    }
}
