import STLink

/// Command dispatch: which commands this firmware knows, which the current mode allows, and the
/// answers that need no target (version, mode, voltage, clock).
///
/// Refusals, settled where the facts are silent, and always recorded in `statistics.rejected`:
/// - a command this firmware does not have (wrong family, too old a J number, or not an ST-LINK
///   command at all) answers 2 bytes, 0x42 "unknown command", whatever reply the host expected;
/// - a known command the current mode does not allow answers its usual reply length with status
///   0x08; a refused memory transfer, which has no status byte, stalls its data phase instead;
/// - a transfer over the probe's limits stalls its data phase too.
extension EmulatedSTLink {
    static let debugCommandNames: [UInt8: String] = [
        0x07: "READMEM_32", 0x08: "WRITEMEM_32", 0x0C: "READMEM_8", 0x0D: "WRITEMEM_8",
        0x21: "DEBUG_EXIT", 0x30: "ENTER", 0x31: "READ_IDCODES", 0x32: "RESETSYS", 0x33: "READREG",
        0x34: "WRITEREG", 0x35: "WRITEDEBUGREG", 0x36: "READDEBUGREG", 0x3A: "READ_ALLREGS",
        0x3B: "GETLASTRWSTATUS", 0x3C: "DRIVE_NRST", 0x3E: "GETLASTRWSTATUS2", 0x43: "SWD_SET_FREQ",
        0x47: "READMEM_16", 0x48: "WRITEMEM_16", 0x61: "SET_COM_FREQ", 0x62: "GET_COM_FREQ",
    ]
    /// Reply lengths of the status-bearing debug commands, for error answers of the usual size.
    static let statusReplyLengths: [UInt8: Int] = [
        0x30: 2, 0x31: 12, 0x32: 2, 0x33: 8, 0x34: 2, 0x35: 2, 0x36: 8, 0x3A: 88, 0x3B: 2,
        0x3C: 2, 0x3E: 12, 0x43: 2, 0x61: 8, 0x62: 52,
    ]

    func commandName(_ c: [UInt8]) -> String {
        switch c[0] {
        case 0xF1: return "GET_VERSION"
        case 0xFB: return "GET_VERSION_EX"
        case 0xF5: return "GET_CURRENT_MODE"
        case 0xF7: return "GET_TARGET_VOLTAGE"
        case 0xF3 where c[1] == 0x07: return "DFU_EXIT"
        case 0xF2:
            if c[1] == 0x30 { return c[2] == 0xA3 ? "ENTER_SWD" : "ENTER" }
            return Self.debugCommandNames[c[1]] ?? "UNKNOWN_F2_\(hexString(UInt32(c[1]), digits: 2).dropFirst(2))"
        default: return "UNKNOWN_\(hexString(UInt32(c[0]), digits: 2).dropFirst(2))"
        }
    }

    func execute(_ c: [UInt8]) -> Response {
        let name = commandName(c)
        count(name)
        switch c[0] {
        case 0xF1:
            return .reply(versionReply())
        case 0xFB:
            guard firmware.isV3 else { return unknown(name, "only an STLINK-V3 has GET_VERSION_EX") }
            return .reply(versionExReply())
        case 0xF5:
            return .reply([mode, 0])
        case 0xF3 where c[1] == 0x07:
            if mode == Mode.dfu { mode = Mode.massStorage }
            return .nothing
        case 0xF7:
            return targetVoltage(name)
        case 0xF2:
            return debugCommand(c, name: name)
        default:
            return unknown(name, "not a command this probe knows")
        }
    }

    func unknown(_ name: String, _ why: String) -> Response {
        reject("\(name) refused by \(firmware.label): \(why) (answered 0x42)")
        return .reply([Status.unknownCommand, 0])
    }

    /// A status reply of `length` bytes: status first, zeros after.
    func status(_ code: UInt8, length: Int) -> [UInt8] {
        [code] + [UInt8](repeating: 0, count: max(0, length - 1))
    }

    func refuse(_ sub: UInt8, _ name: String, _ why: String, length: Int? = nil) -> Response {
        reject("\(name): \(why)")
        return .reply(status(Status.commandError, length: length ?? Self.statusReplyLengths[sub] ?? 2))
    }

    /// GET_VERSION: u16 big endian (hw [15:12], JTAG [11:6], low field [5:0]), then VID and PID
    /// little endian. The low field is the M number on a V2-1 and the S number on a V2. A V3 reports
    /// only its hardware version here, zeros elsewhere: its versions need GET_VERSION_EX.
    func versionReply() -> [UInt8] {
        var version = UInt16(config.hardwareVersion & 0xF) << 12
        if !firmware.isV3 {
            let low = config.model.family == .v2_1 ? config.mscVersion : config.swimVersion
            version |= UInt16(config.jtagVersion & 0x3F) << 6 | UInt16(low & 0x3F)
        }
        return [UInt8(version >> 8), UInt8(version & 0xFF)] + le16(ProbeModel.vendorID) + le16(config.model.productID)
    }

    /// GET_VERSION_EX: hw, swim, jtag, msc, bridge, power (0), two zero bytes, VID, PID.
    func versionExReply() -> [UInt8] {
        let versions = [config.hardwareVersion, config.swimVersion, config.jtagVersion,
                        config.mscVersion, config.bridgeVersion, 0, 0, 0].map { UInt8(truncatingIfNeeded: $0) }
        return versions + le16(ProbeModel.vendorID) + le16(config.model.productID)
    }

    /// GET_TARGET_VOLTAGE: a0 is what the probe's 12-bit ADC reads for its 1.2 V reference at a
    /// 3.3 V scale (4095 · 1.2 / 3.3 ≈ 1489); a1 is the target pin's reading such that
    /// volts = 2 · a1 · 1.2 / a0. Not available in DFU mode (OpenOCD: "supported in all modes except
    /// DFU"); there it answers zeros, and a0 = 0 is no reading at all.
    func targetVoltage(_ name: String) -> Response {
        guard firmware.hasTargetVoltage else { return unknown(name, "target voltage needs firmware J13 or later") }
        guard mode != Mode.dfu else {
            reject("\(name) in DFU mode: leave DFU first (F3 07) (answered zeros)")
            return .reply([UInt8](repeating: 0, count: 8))
        }
        let a0: UInt32 = 1489
        let volts = faults.targetVoltage ?? config.targetVoltage
        let a1 = UInt32(max(0, (volts * Double(a0) / 2.4).rounded()))
        return .reply(le32(a0) + le32(a1))
    }
}


func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(8 * $0)) } }

extension Array where Element == UInt8 {
    func le16(at i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    func le32(at i: Int) -> UInt32 { littleEndian(at: i, size: 4) }
}
