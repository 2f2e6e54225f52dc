/// What each piece of work costs on the virtual clock. All figures are here, with why; everything is
/// integer arithmetic on nanoseconds, so a run is exactly reproducible.
///
/// USB. V2 and V2-1 are full-speed devices: bulk transfers are scheduled in 1 ms frames and the
/// probe firmware answers within the next frame, so a command costs about 1 ms of round trip
/// however small it is; a data phase moves about 1 MB/s in practice (12 Mbit/s raw, 64-byte
/// packets). A V3 is high speed: 125 µs microframes make a round trip about 0.25 ms, and bulk data
/// moves about 25 MB/s. The round trip is charged on the 16-byte command block; every other
/// transfer (data OUT, data IN, status IN) is charged per byte.
///
/// SWD. One SWD transfer is 8 request bits, a turnaround, 3 ACK bits, 32 data bits, parity and
/// the turnaround/idle cycles around them: about 46 SWD clocks, whatever the access width (an 8-bit
/// access still moves a 32-bit data phase). At the V2's default 1.8 MHz that is 25.6 µs. A memory
/// command first writes CSW and TAR (2 transfers); TAR auto-increment only covers a 1 KB block, so
/// crossing into the next one rewrites TAR (1 transfer); AP reads are posted, so a read command ends
/// with one RDBUFF read. Each transfer is charged before its bus access, so a flash word's program
/// time (16 µs) overlaps the next word's SWD transfer, and only what is left over stalls the bus.
///
/// Flash. The controller's own BSY time comes from the chip file; the chip advances the clock when
/// an access has to wait for it.
struct TimingModel {
    let commandRoundTrip: Duration
    let nanosecondsPerByte: Int64
    /// The SWD clock in kHz; commands change it.
    var swdKHz: Int

    static let clocksPerSWDTransfer: Int64 = 46
    /// CSW and TAR writes at the start of a memory command.
    static let memorySetupTransfers = 2
    /// TAR auto-increment wraps within 1 KB (ADIv5 guarantees at least that much).
    static let autoIncrementBlock: UInt32 = 1024
    /// Line reset (≥ 50 clocks high), the JTAG-to-SWD sequence, another line reset, a DPIDR read,
    /// CTRL/STAT power-up requests and the AP's IDR: about 10 transfers' worth of clocks.
    static let connectTransfers = 10
    /// A USB reset and re-enumeration of the probe.
    static let usbReset: Duration = .milliseconds(100)

    /// The V2 divisor table (F2 43): divisor → kHz. Only these divisors are accepted.
    static let v2Divisors: [Int: Int] = [0: 4000, 1: 1800, 2: 1200, 3: 950, 7: 480, 15: 240,
                                         31: 125, 40: 100, 79: 50, 158: 25, 265: 15, 798: 5]
    /// The SWD frequencies a V3 lists for GET_COM_FREQ, fastest first.
    static let v3Frequencies: [Int] = [24000, 8000, 3300, 1000, 200, 50, 5]

    static func forProbe(_ firmware: ProbeFirmware) -> TimingModel {
        firmware.isV3
            ? TimingModel(commandRoundTrip: .microseconds(250), nanosecondsPerByte: 40, swdKHz: 1000)
            : TimingModel(commandRoundTrip: .milliseconds(1), nanosecondsPerByte: 1000, swdKHz: 1800)
    }

    func usb(bytes: Int) -> Duration {
        .nanoseconds(Int64(bytes) * nanosecondsPerByte)
    }

    func swd(transfers: Int) -> Duration {
        .nanoseconds(Int64(transfers) * TimingModel.clocksPerSWDTransfer * 1_000_000 / Int64(swdKHz))
    }
}
