/// What a probe's firmware says it is, and what it can therefore do.
public struct ProbeVersion: Sendable, Hashable, CustomStringConvertible {
    /// Hardware generation: 2 for V2 and V2-1, 3 for V3.
    public let hardware: Int
    /// The "J" number: the debug (JTAG/SWD) firmware version that gates features.
    public let jtag: Int
    /// The "S" (SWIM, V2) or "M" (mass storage, V2-1/V3) number.
    public let swim: Int
    public let msc: Int
    public let bridge: Int
    public let vendorID: UInt16
    public let productID: UInt16

    public init(hardware: Int, jtag: Int, swim: Int, msc: Int, bridge: Int, vendorID: UInt16, productID: UInt16) {
        self.hardware = hardware; self.jtag = jtag; self.swim = swim; self.msc = msc
        self.bridge = bridge; self.vendorID = vendorID; self.productID = productID
    }

    /// The name ST's own tools print, e.g. "V2J37S7", "V2J40M27", "V3J7M3B5".
    public var description: String {
        var s = "V\(hardware)J\(jtag)"
        if swim > 0 { s += "S\(swim)" }
        if msc > 0 { s += "M\(msc)" }
        if bridge > 0 { s += "B\(bridge)" }
        return s
    }

    public var features: ProbeFeatures { ProbeFeatures(version: self) }
}

/// What a firmware version allows. V2 gates each feature on its J number; every V3 has them all.
public struct ProbeFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let targetVoltage = ProbeFeatures(rawValue: 1 << 0)      // V2 J13
    public static let lastRWStatus2 = ProbeFeatures(rawValue: 1 << 1)      // V2 J15
    public static let swdSetFrequency = ProbeFeatures(rawValue: 1 << 2)    // V2 J22 (divisor table)
    public static let dapRegisters = ProbeFeatures(rawValue: 1 << 3)       // V2 J24
    public static let memory16 = ProbeFeatures(rawValue: 1 << 4)           // V2 J26
    public static let apInit = ProbeFeatures(rawValue: 1 << 5)             // V2 J28
    public static let cswBits = ProbeFeatures(rawValue: 1 << 6)            // V2 J32, V3 J2
    public static let v3Frequency = ProbeFeatures(rawValue: 1 << 7)        // V3: kHz-based clock commands
    public static let versionEx = ProbeFeatures(rawValue: 1 << 8)          // V3: GET_VERSION_EX

    public init(version: ProbeVersion) {
        var f: ProbeFeatures = []
        if version.hardware >= 3 {
            f = [.targetVoltage, .lastRWStatus2, .dapRegisters, .memory16, .apInit, .v3Frequency, .versionEx]
            if version.jtag >= 2 { f.insert(.cswBits) }
        } else {
            if version.jtag >= 13 { f.insert(.targetVoltage) }
            if version.jtag >= 15 { f.insert(.lastRWStatus2) }
            if version.jtag >= 22 { f.insert(.swdSetFrequency) }
            if version.jtag >= 24 { f.insert(.dapRegisters) }
            if version.jtag >= 26 { f.insert(.memory16) }
            if version.jtag >= 28 { f.insert(.apInit) }
            if version.jtag >= 32 { f.insert(.cswBits) }
        }
        self = f
    }
}

/// The oldest firmware hil drives, and why: below V2 J15 there is no GETLASTRWSTATUS2, so a memory
/// transfer that failed on the target cannot be told from one that worked, and a failed flash write
/// would look like success. Newer features (SWD clock, 16-bit access) are used only where present.
public enum MinimumFirmware {
    public static let v2 = 15
    public static let v3 = 1
    public static func isSupported(_ v: ProbeVersion) -> Bool {
        v.hardware >= 3 ? v.jtag >= v3 : v.jtag >= self.v2
    }
}
