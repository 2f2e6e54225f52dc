/// USART1 of the STM32F74x (RM0385 §34.8), 8N1 with oversampling by 16, on the emulated core's
/// clock: a byte occupies the line for 10 bit times of `kernel clock / BRR`.
///
/// - TX: a TDR write while the transmitter is enabled moves into the shift register when it is
///   free (TXE set again at once); otherwise it waits in TDR with TXE clear. TC is set when the
///   shift register empties with nothing in TDR. A byte leaves on the wire (`onTransmit`) as its
///   shift starts.
/// - RX: `receive` puts a byte that finished arriving into RDR (RXNE); if RDR still held one, the
///   new byte is lost and ORE is set, as on the silicon (the USART has no FIFO).
/// - BRR is writable only with UE clear; TEACK/REACK follow TE/RE while UE is set.
/// - Interrupt (level): RXNEIE with RXNE or ORE, TXEIE with TXE, TCIE with TC.
final class USART: RegisterBlock {
    enum Offset {
        static let cr1: UInt32 = 0x00, cr2: UInt32 = 0x04, cr3: UInt32 = 0x08, brr: UInt32 = 0x0C
        static let isr: UInt32 = 0x1C, icr: UInt32 = 0x20, rdr: UInt32 = 0x24, tdr: UInt32 = 0x28
    }
    enum ISR {
        static let pe: UInt32 = 1 << 0, fe: UInt32 = 1 << 1, nf: UInt32 = 1 << 2, ore: UInt32 = 1 << 3
        static let rxne: UInt32 = 1 << 5, tc: UInt32 = 1 << 6, txe: UInt32 = 1 << 7
        static let teack: UInt32 = 1 << 21, reack: UInt32 = 1 << 22
    }
    enum CR1 {
        static let ue: UInt32 = 1 << 0, re: UInt32 = 1 << 2, te: UInt32 = 1 << 3
        static let rxneie: UInt32 = 1 << 5, tcie: UInt32 = 1 << 6, txeie: UInt32 = 1 << 7, over8: UInt32 = 1 << 15
    }

    let irq: Int
    private let clock: CoreClock
    private weak var lines: InterruptLines?
    /// The USART's kernel clock in Hz (RCC), and the core clock, to turn bit times into cycles.
    private let kernelHz: () -> Int

    private(set) var cr1: UInt32 = 0
    private var cr2: UInt32 = 0, cr3: UInt32 = 0, brr: UInt32 = 0
    private var flags: UInt32 = ISR.txe | ISR.tc
    private var rdr: UInt8 = 0
    private var tdr: UInt8?
    /// When the byte in the shift register has left, in core cycles; nil when it is empty.
    private(set) var shiftEnds: UInt64?

    /// A byte starts out on the TX wire.
    var onTransmit: (UInt8) -> Void = { _ in }
    /// Counted for the bench: bytes that arrived while RDR was full.
    private(set) var overruns = 0

    init(irq: Int, clock: CoreClock, lines: InterruptLines, kernelHz: @escaping () -> Int) {
        self.irq = irq
        self.clock = clock
        self.lines = lines
        self.kernelHz = kernelHz
    }

    func reset() {
        cr1 = 0; cr2 = 0; cr3 = 0; brr = 0
        flags = ISR.txe | ISR.tc
        rdr = 0; tdr = nil; shiftEnds = nil
        updateInterrupt()
    }

    var enabled: Bool { cr1 & CR1.ue != 0 }
    var transmitterEnabled: Bool { enabled && cr1 & CR1.te != 0 }
    var receiverEnabled: Bool { enabled && cr1 & CR1.re != 0 }

    /// The line rate BRR gives at the current kernel clock (0 when BRR is unusable).
    var baud: Double {
        // USARTDIV is BRR; with OVER8 it is BRR[15:4] << 4 | BRR[2:0] << 1 (RM0385 §34.5.4).
        let over8 = cr1 & CR1.over8 != 0
        let divider = over8 ? Double((brr & 0xFFF0) | ((brr & 0x7) << 1)) : Double(brr & 0xFFFF)
        guard divider >= 16 else { return 0 }
        return Double(kernelHz()) * (over8 ? 2 : 1) / divider
    }

    /// Core cycles one 10-bit frame takes on the line.
    var frameCycles: UInt64 {
        let rate = baud
        guard rate > 0 else { return UInt64.max / 4 }
        return max(1, UInt64((10.0 / rate) * clock.hz))
    }

    /// Told when the core reads ISR while TDR still holds a byte (TXE clear): firmware that polls
    /// TXE spins until the frame ahead has shifted out, and the runner may skip the spin's cycles
    /// in one step (the chip would spend them spinning) instead of emulating every poll.
    var onBusyPoll: ((_ until: UInt64) -> Void)?

    // MARK: registers

    /// A read by the core, which may be a poll of a busy transmitter.
    func readFromCore(offset: UInt32) -> UInt32 {
        if offset == Offset.isr, flags & ISR.txe == 0, let ends = shiftEnds { onBusyPoll?(ends) }
        return read(offset: offset)
    }

    func read(offset: UInt32) -> UInt32 {
        advance()
        switch offset {
        case Offset.cr1: return cr1
        case Offset.cr2: return cr2
        case Offset.cr3: return cr3
        case Offset.brr: return brr
        case Offset.isr: return isr
        case Offset.rdr:
            flags &= ~ISR.rxne
            updateInterrupt()
            return UInt32(rdr)
        default: return 0
        }
    }

    var isr: UInt32 {
        var value = flags
        if enabled && cr1 & CR1.te != 0 { value |= ISR.teack }
        if enabled && cr1 & CR1.re != 0 { value |= ISR.reack }
        return value
    }

    func write(offset: UInt32, value: UInt32, mask: UInt32) {
        advance()
        switch offset {
        case Offset.cr1:
            cr1 = cr1.merged(value, mask: mask)
            if !enabled {     // UE cleared: the USART stops and its flags return to reset values
                tdr = nil; shiftEnds = nil
                flags = ISR.txe | ISR.tc
            }
        case Offset.cr2: if !enabled { cr2 = cr2.merged(value, mask: mask) }
        case Offset.cr3: if !enabled { cr3 = cr3.merged(value, mask: mask) }
        case Offset.brr: if !enabled { brr = brr.merged(value, mask: mask) & 0xFFFF }
        case Offset.icr:
            let bits = value & mask
            if bits & (1 << 0) != 0 { flags &= ~ISR.pe }
            if bits & (1 << 1) != 0 { flags &= ~ISR.fe }
            if bits & (1 << 2) != 0 { flags &= ~ISR.nf }
            if bits & (1 << 3) != 0 { flags &= ~ISR.ore }
            if bits & (1 << 6) != 0 { flags &= ~ISR.tc }
        case Offset.tdr:
            guard transmitterEnabled else { break }
            let byte = UInt8(truncatingIfNeeded: value & mask)
            if shiftEnds == nil {
                startShift(byte)
            } else {
                tdr = byte
                flags &= ~ISR.txe
            }
        default: break
        }
        updateInterrupt()
    }

    private func startShift(_ byte: UInt8) {
        shiftEnds = clock.cycles + frameCycles
        flags &= ~ISR.tc
        flags |= ISR.txe
        onTransmit(byte)
    }

    // MARK: time

    /// The next instant this USART changes state by itself (a frame finishes shifting out).
    var nextEvent: UInt64? { shiftEnds }

    /// Brings the transmitter up to the core's current cycle.
    func advance() {
        while let ends = shiftEnds, ends <= clock.cycles {
            if let next = tdr {
                tdr = nil
                shiftEnds = ends + frameCycles
                flags &= ~ISR.tc
                flags |= ISR.txe
                onTransmit(next)
            } else {
                shiftEnds = nil
                flags |= ISR.tc
            }
        }
        updateInterrupt()
    }

    /// A frame finished arriving on RX. `garbled`: the sender's rate was off (framing error).
    func receive(_ byte: UInt8, garbled: Bool) {
        guard receiverEnabled else { return }
        if flags & ISR.rxne != 0 {
            flags |= ISR.ore
            overruns += 1
        } else {
            rdr = byte
            flags |= ISR.rxne
            if garbled { flags |= ISR.fe }
        }
        updateInterrupt()
    }

    private func updateInterrupt() {
        var high = false
        if cr1 & CR1.rxneie != 0 && flags & (ISR.rxne | ISR.ore) != 0 { high = true }
        if cr1 & CR1.txeie != 0 && flags & ISR.txe != 0 { high = true }
        if cr1 & CR1.tcie != 0 && flags & ISR.tc != 0 { high = true }
        lines?.setLine(irq, high: high)
    }
}
