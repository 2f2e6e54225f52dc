import STLink

/// Which ST-LINK the mock board pretends to be: USB identity, firmware version, power-up mode and
/// what its target-voltage ADC reads. The firmware version decides which commands exist, as on a
/// real probe, so a driver's feature gates are tested against the same numbers.
public struct EmulatedProbeConfig: Sendable {
    public var model: ProbeModel
    public var serial: String
    /// The "stlink" field of GET_VERSION: 2 for V2 and V2-1, 3 for V3.
    public var hardwareVersion: Int
    /// The J number: the JTAG/SWD firmware version, which gates features.
    public var jtagVersion: Int
    /// The M number (mass-storage firmware), 0 if none. V2-1 reports it in GET_VERSION's low field.
    public var mscVersion: Int
    /// The S number. A plain V2 reports it in GET_VERSION's low field instead of M.
    public var swimVersion: Int
    /// The B number (V3 bridge firmware), reported only by GET_VERSION_EX.
    public var bridgeVersion: Int
    /// What GET_CURRENT_MODE answers at power-up: 0 DFU, 1 mass storage, 2 debug.
    public var initialMode: UInt8
    /// Volts the probe's ADC reads on the target supply pin.
    public var targetVoltage: Double

    public init(model: ProbeModel, serial: String, hardwareVersion: Int, jtagVersion: Int,
                mscVersion: Int, swimVersion: Int = 0, bridgeVersion: Int = 0,
                initialMode: UInt8, targetVoltage: Double = 3.3) {
        self.model = model
        self.serial = serial
        self.hardwareVersion = hardwareVersion
        self.jtagVersion = jtagVersion
        self.mscVersion = mscVersion
        self.swimVersion = swimVersion
        self.bridgeVersion = bridgeVersion
        self.initialMode = initialMode
        self.targetVoltage = targetVoltage
    }

    /// The serial of hil's mock board number `n` (1…): 24 upper-case hex digits as a real
    /// ST-LINK/V2-1 reports (stlink-org's tools skip a probe whose serial is not), recognisable in
    /// a listing: "4D4F434B" is "MOCK" in ASCII, then "0746F7D15C" (F746 DISCO) and the number.
    public static func mockSerial(_ n: Int) -> String { "4D4F434B0746F7D15C" + String(format: "%06X", n) }

    /// A stand-alone ST-LINK/V2 (PID 0x3748), e.g. V2J37S7. Old V2 firmware has a 12-byte binary
    /// serial, which tools show hex-encoded; this one is given in that form. It comes up in DFU
    /// mode, so a driver must leave DFU before entering SWD.
    public static func v2(jtag: Int = 37, serial: String = "55FF6B065177495619420887") -> Self {
        EmulatedProbeConfig(model: model(0x3748), serial: serial, hardwareVersion: 2, jtagVersion: jtag,
                            mscVersion: 0, swimVersion: 7, initialMode: 0)
    }

    /// The STM32F746G-DISCO's on-board ST-LINK/V2-1 (PID 0x374B), e.g. V2J40M27, in mass-storage
    /// mode at power-up.
    public static func v2_1(jtag: Int = 40, serial: String = "066CFF535550755187184521") -> Self {
        EmulatedProbeConfig(model: model(0x374B), serial: serial, hardwareVersion: 2, jtagVersion: jtag,
                            mscVersion: 27, initialMode: 1)
    }

    /// An STLINK-V3SET (PID 0x374F), e.g. V3J7M3B2S1, in mass-storage mode at power-up.
    public static func v3(jtag: Int = 7, serial: String = "002A003F3438510B34313939") -> Self {
        EmulatedProbeConfig(model: model(0x374F), serial: serial, hardwareVersion: 3, jtagVersion: jtag,
                            mscVersion: 3, swimVersion: 1, bridgeVersion: 2, initialMode: 1)
    }

    private static func model(_ pid: UInt16) -> ProbeModel {
        guard let model = ProbeModel.model(productID: pid) else {
            preconditionFailure("ProbeModel.known lost PID \(hexString(UInt32(pid), digits: 4))")
        }
        return model
    }
}

/// What the configured firmware can do, from the gates in the ST-LINK facts (OpenOCD's version
/// checks): target voltage J13, GETLASTRWSTATUS2 J15, SWD clock J22, 16-bit memory J26, several
/// APs J28; an STLINK-V3 has all of them from its first firmware.
struct ProbeFirmware {
    let config: EmulatedProbeConfig

    var isV3: Bool { config.hardwareVersion >= 3 }
    var label: String {
        "\(config.model.name) V\(config.hardwareVersion)J\(config.jtagVersion)"
            + (config.mscVersion > 0 ? "M\(config.mscVersion)" : "")
    }
    var hasTargetVoltage: Bool { isV3 || config.jtagVersion >= 13 }
    var hasLastRWStatus2: Bool { isV3 || config.jtagVersion >= 15 }
    /// F2 43 is the V2 family's clock command; a V3 uses F2 61/62 instead.
    var hasSWDDivisor: Bool { !isV3 && config.jtagVersion >= 22 }
    var hasMemory16: Bool { isV3 || config.jtagVersion >= 26 }
    var hasSeveralAPs: Bool { isV3 || config.jtagVersion >= 28 }
    /// Full-speed probes move 8-bit transfers in one 64-byte packet; a high-speed V3 in one 512-byte one.
    var max8BitTransfer: Int { isV3 ? 512 : 64 }
    /// The probe's buffer for 16- and 32-bit transfers.
    var maxTransfer: Int { 6144 }
    var maxPacket: Int { isV3 ? 512 : 64 }
}
