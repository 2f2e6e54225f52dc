/// The F2 family: firmware gates, mode rules, entering and leaving SWD, and the SWD clock.
///
/// Mode rules where the facts are silent: DFU mode allows nothing but GET_VERSION(_EX),
/// GET_CURRENT_MODE and DFU_EXIT; mass-storage mode also allows GET_TARGET_VOLTAGE, ENTER_SWD,
/// the clock commands and DRIVE_NRST (OpenOCD sets the clock and asserts NRST before entering SWD);
/// everything that touches the target needs debug mode. There is no command to leave mass-storage
/// mode, so ENTER_SWD from it is accepted (OpenOCD and stlink-org both do exactly that); ENTER_SWD
/// from DFU mode answers 0x08. DEBUG_EXIT and DFU_EXIT outside their own mode change nothing.
extension EmulatedSTLink {
    func debugCommand(_ c: [UInt8], name: String) -> Response {
        let sub = c[1]
        guard Self.debugCommandNames[sub] != nil else { return unknown(name, "no such debug command") }
        if let missing = firmwareLacks(sub) { return unknown(name, missing) }
        switch sub {
        case 0x21:
            if mode == Mode.debug { mode = Mode.massStorage }
            return .nothing
        case 0x30:
            return enter(c, name: name)
        case 0x43, 0x61, 0x62, 0x3C:
            guard mode != Mode.dfu else { return refuse(sub, name, "not available in DFU mode: leave DFU first (F3 07)") }
            switch sub {
            case 0x43: return setDivisor(c, name: name)
            case 0x61: return setFrequency(c, name: name)
            case 0x62: return listFrequencies(c, name: name)
            default: return driveNRST(c, name: name)
            }
        default:
            break
        }
        guard mode == Mode.debug else {
            let why = "needs debug mode but the probe is in mode \(mode): enter SWD first (F2 30 A3)"
            switch sub {
            case 0x07, 0x0C, 0x47: reject("\(name): \(why) (IN phase stalled)"); return .stallIn
            case 0x08, 0x0D, 0x48:
                reject("\(name): \(why) (data phase stalled)")
                return c.le16(at: 6) == 0 ? .nothing : .stallOut
            default: return refuse(sub, name, why)
            }
        }
        switch sub {
        case 0x07: return readMemory(c, name: name, width: 4)
        case 0x47: return readMemory(c, name: name, width: 2)
        case 0x0C: return readMemory(c, name: name, width: 1)
        case 0x08: return writeMemory(c, name: name, width: 4)
        case 0x48: return writeMemory(c, name: name, width: 2)
        case 0x0D: return writeMemory(c, name: name, width: 1)
        case 0x3B: return .reply([lastTransfer.status, 0])
        case 0x3E: return .reply([lastTransfer.status, 0, 0, 0] + le32(lastTransfer.address) + [0, 0, 0, 0])
        case 0x36: return readDebugRegister(c)
        case 0x35: return writeDebugRegister(c)
        case 0x31: return readIDCodes()
        case 0x32: return resetSystem()
        case 0x33: return readRegister(c)
        case 0x34: return writeRegister(c)
        default: return readAllRegisters()
        }
    }

    /// Why this firmware does not have the command, or nil if it does.
    private func firmwareLacks(_ sub: UInt8) -> String? {
        switch sub {
        case 0x3E where !firmware.hasLastRWStatus2: return "GETLASTRWSTATUS2 needs firmware J15 or later"
        case 0x43 where firmware.isV3: return "an STLINK-V3 sets its SWD clock with F2 61, not F2 43"
        case 0x43 where !firmware.hasSWDDivisor: return "setting the SWD clock needs firmware J22 or later"
        case 0x47 where !firmware.hasMemory16, 0x48 where !firmware.hasMemory16:
            return "16-bit memory access needs firmware J26 or later"
        case 0x61 where !firmware.isV3, 0x62 where !firmware.isV3: return "only an STLINK-V3 has F2 61/62"
        default: return nil
        }
    }

    /// F2 30 A3 connects over SWD (line reset, JTAG-to-SWD, DPIDR, power-up: SWD time). JTAG
    /// (A4, 00) is not emulated.
    private func enter(_ c: [UInt8], name: String) -> Response {
        guard c[2] == 0xA3 else {
            return refuse(0x30, name, "only SWD (A3) is emulated, not \(hexString(UInt32(c[2]), digits: 2))")
        }
        guard mode != Mode.dfu else {
            return refuse(0x30, name, "the probe is in DFU mode: leave DFU first (F3 07)")
        }
        mode = Mode.debug
        swd(TimingModel.connectTransfers)
        return .reply([Status.ok, 0])
    }

    /// F2 43 + u16 divisor: only the divisors of the V2 table; others answer 0x41.
    private func setDivisor(_ c: [UInt8], name: String) -> Response {
        let divisor = Int(c.le16(at: 2))
        guard let kHz = TimingModel.v2Divisors[divisor] else {
            reject("\(name): divisor \(divisor) is not in the V2 clock table (answered 0x41)")
            return .reply([Status.frequencyUnsupported, 0])
        }
        timing.swdKHz = kHz
        return .reply([Status.ok, 0])
    }

    /// F2 62 proto: 52 bytes, the number of frequencies at 8, the list (kHz, fastest first) from 12.
    private func listFrequencies(_ c: [UInt8], name: String) -> Response {
        guard c[2] == 0 else { return refuse(0x62, name, "only SWD (protocol 0) is emulated") }
        var reply = [Status.ok, 0, 0, 0, 0, 0, 0, 0, UInt8(TimingModel.v3Frequencies.count), 0, 0, 0]
        for kHz in TimingModel.v3Frequencies { reply += le32(UInt32(kHz)) }
        return .reply(reply + [UInt8](repeating: 0, count: 52 - reply.count))
    }

    /// F2 61 proto 00 + u32 kHz: the fastest listed frequency not above the request (the slowest if
    /// the request is below them all); the reply carries it at 4.
    private func setFrequency(_ c: [UInt8], name: String) -> Response {
        guard c[2] == 0 else { return refuse(0x61, name, "only SWD (protocol 0) is emulated") }
        let requested = Int(c.le32(at: 4))
        let kHz = TimingModel.v3Frequencies.first { $0 <= requested } ?? TimingModel.v3Frequencies.last!
        timing.swdKHz = kHz
        return .reply([Status.ok, 0, 0, 0] + le32(UInt32(kHz)))
    }

    /// F2 3C: 0 drives NRST low (the chip stays in reset), 1 releases it, 2 pulses it.
    private func driveNRST(_ c: [UInt8], name: String) -> Response {
        switch c[2] {
        case 0: target.setNRST(low: true)
        case 1: target.setNRST(low: false)
        case 2:
            target.setNRST(low: true)
            target.setNRST(low: false)
        default:
            return refuse(0x3C, name, "\(c[2]) is not 0 (low), 1 (high) or 2 (pulse)")
        }
        return .reply([Status.ok, 0])
    }
}
