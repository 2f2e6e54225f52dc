// libudev's netlink message, as systemd-udevd sends it to the "udev" group after rule processing.
// Layout (all fixed by what libudev's receiver and its in-kernel BPF filter read):
//   0  "libudev\0"                 tells a udevd message from a raw kernel uevent
//   8  magic 0xfeedcafe            big endian: the BPF filter loads it as a network-order word
//  12  header size                 host order
//  16  properties offset           host order; the receiver starts parsing here
//  20  properties length           host order
//  24  MurmurHash2(subsystem)      big endian, compared by the BPF filter
//  28  MurmurHash2(devtype) or 0   big endian, compared by the BPF filter when a devtype is matched
//  32  tag bloom hi, 36 tag bloom lo (big endian; 0 = no tags)
//  40  "KEY=value\0" ...           the properties
#if canImport(Glibc)
import Glibc
#endif

enum UdevMessage {
    static let headerSize = 40
    static let magic: UInt32 = 0xfeed_cafe
    /// libudev receives into an 8192-byte buffer and drops truncated messages.
    static let maxSize = 8192

    /// The message bytes for `device`. Keys libudev requires (ACTION, DEVPATH, SUBSYSTEM, SEQNUM)
    /// come from the struct's fields, not `properties`, so they cannot contradict each other.
    static func encode(_ device: UdevDevice, seqnum: UInt64, usecInitialized: UInt64) throws(DiscoveryError) -> [UInt8] {
        try validate(device)
        var pairs: [(String, String)] = [
            ("ACTION", device.action.rawValue),
            ("DEVPATH", device.devpath),
            ("SUBSYSTEM", device.subsystem),
        ]
        if let devtype = device.devtype { pairs.append(("DEVTYPE", devtype)) }
        if let devnode = device.devnode { pairs.append(("DEVNAME", devnode)) }
        pairs.append(("SEQNUM", device.properties["SEQNUM"] ?? String(seqnum)))
        pairs.append(("USEC_INITIALIZED", device.properties["USEC_INITIALIZED"] ?? String(usecInitialized)))
        let fixed = Set(pairs.map(\.0))
        // Sorted so the same device always gives the same bytes (tests compare them).
        for key in device.properties.keys.sorted() where !fixed.contains(key) {
            pairs.append((key, device.properties[key]!))
        }

        var properties: [UInt8] = []
        for (key, value) in pairs {
            properties += Array(key.utf8) + [UInt8(ascii: "=")] + Array(value.utf8) + [0]
        }

        var bloom: UInt64 = 0
        for tag in (device.properties["TAGS"] ?? "").split(separator: ":") where !tag.isEmpty {
            bloom |= tagBloom(String(tag))
        }

        var message: [UInt8] = Array("libudev".utf8) + [0]
        appendBigEndian(magic, to: &message)
        appendHostOrder(UInt32(headerSize), to: &message)
        appendHostOrder(UInt32(headerSize), to: &message)
        appendHostOrder(UInt32(properties.count), to: &message)
        appendBigEndian(MurmurHash2.stringHash32(device.subsystem), to: &message)
        appendBigEndian(device.devtype.map(MurmurHash2.stringHash32) ?? 0, to: &message)
        appendBigEndian(UInt32(truncatingIfNeeded: bloom >> 32), to: &message)
        appendBigEndian(UInt32(truncatingIfNeeded: bloom), to: &message)
        message += properties
        guard message.count <= maxSize else {
            throw DiscoveryError(.invalidDevice,
                "udev event for \(device.devpath) is \(message.count) bytes, over libudev's \(maxSize)-byte receive buffer: send fewer or shorter properties")
        }
        return message
    }

    /// Four bits of a tag's hash in a 64-bit word, as libudev's string_bloom64.
    static func tagBloom(_ tag: String) -> UInt64 {
        let h = MurmurHash2.stringHash32(tag)
        var bits: UInt64 = 0
        for shift: UInt32 in [0, 6, 12, 18] { bits |= 1 << UInt64((h >> shift) & 63) }
        return bits
    }

    /// What libudev's parser would reject or silently mangle; a broadcast nobody receives is
    /// worse than an error.
    private static func validate(_ device: UdevDevice) throws(DiscoveryError) {
        func invalid(_ why: String) -> DiscoveryError {
            DiscoveryError(.invalidDevice, "cannot broadcast udev event for \"\(device.devpath)\": \(why)")
        }
        if device.action == .existing {
            throw invalid("action .existing only comes from enumeration; libudev accepts add, remove, change, bind, unbind, move, online, offline")
        }
        if !device.devpath.hasPrefix("/") { throw invalid("DEVPATH must start with \"/\" (it is appended to /sys)") }
        if device.subsystem.isEmpty { throw invalid("SUBSYSTEM is empty") }
        if let seq = device.properties["SEQNUM"], (UInt64(seq) ?? 0) == 0 {
            throw invalid("SEQNUM must be a non-zero decimal number, got \"\(seq)\"")
        }
        var all = device.properties
        all["DEVPATH"] = device.devpath
        all["SUBSYSTEM"] = device.subsystem
        all["DEVTYPE"] = device.devtype
        all["DEVNAME"] = device.devnode
        for (key, value) in all {
            if key.isEmpty || key.contains("=") || key.utf8.contains(0) { throw invalid("bad property name \"\(key)\"") }
            // libudev cuts a value at its first newline (kernel uevents sometimes end in one).
            if value.utf8.contains(0) || value.contains("\n") { throw invalid("property \(key) contains a NUL or newline") }
        }
    }

    private static func appendBigEndian(_ v: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.bigEndian) { bytes += $0 }
    }

    private static func appendHostOrder(_ v: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v) { bytes += $0 }
    }
}
