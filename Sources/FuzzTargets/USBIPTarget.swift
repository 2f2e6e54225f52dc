import USBIP

/// What a USB/IP peer sends: hil is a client (imported probes) and a server (`hilctl mock serve`),
/// so every message is parsed by one side or the other. The same bytes go to each decoder; what
/// decodes must encode back to bytes that decode to the same value.
enum USBIPTarget {
    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        var accepted = false
        if let header = try? OpHeader.decode(data) {
            accepted = true
            FuzzCheck.require((try? OpHeader.decode(header.bytes)) == header, "OP header round trip")
            var r = ByteReader(data)
            _ = try? r.bytes(OpHeader.size)
            switch header.code {
            case USBIPOp.repDevlist:
                if let count = try? r.u32() {
                    for _ in 0..<min(Int(count), 64) {
                        guard let device = try? DeviceRecord.decode(&r, withInterfaces: true) else { break }
                        checkRoundTrip(device, withInterfaces: true)
                    }
                }
            case USBIPOp.repImport:
                if let device = try? DeviceRecord.decode(&r, withInterfaces: false) { checkRoundTrip(device, withInterfaces: false) }
            case USBIPOp.reqImport:
                _ = try? r.text(size: 32)
            default: break
            }
        }
        if let message = try? URBMessage.decode(header: data) {
            accepted = true
            let again: [UInt8]
            switch message {
            case .submit(let s): again = s.encode()
            case .retSubmit(let s): again = s.encode()
            case .unlink(let seq, let devid, let target): again = encodeUnlink(seqnum: seq, devid: devid, unlinkSeqnum: target)
            case .retUnlink(let seq, let status): again = encodeRetUnlink(seqnum: seq, status: status)
            }
            let back = try? URBMessage.decode(header: again + [UInt8](repeating: 0, count: max(0, URBMessage.headerSize - again.count)))
            // A reply is encoded with devid, direction and ep zeroed, as a server sends it.
            if case .retSubmit = message { FuzzCheck.require(back != nil, "RET_SUBMIT round trip") } else {
                FuzzCheck.require(back == message, "URB header round trip: \(message) came back as \(String(describing: back))")
            }
        }
        if let setup = SetupPacket(data) {
            accepted = true
            FuzzCheck.require(SetupPacket(setup.bytes) == setup, "setup packet round trip")
        }
        if let coding = LineCoding(data) {
            FuzzCheck.require(LineCoding(coding.bytes) == coding, "CDC line coding round trip")
        }
        if let device = DeviceDescriptorFields(data) { _ = device }
        if let configuration = ParsedConfiguration(data) {
            accepted = true
            FuzzCheck.require(configuration.interfaces.count <= data.count, "more interfaces than bytes")
        }
        if let units = USBDescriptors.stringUnits(data) {
            FuzzCheck.require(units.count * 2 <= data.count, "a string descriptor longer than its bytes")
        }
        return accepted ? .accepted : .rejected
    }

    /// Text fields round-trip when they fit their field as UTF-8; numbers and interfaces always.
    private static func checkRoundTrip(_ d: DeviceRecord, withInterfaces: Bool) {
        var w = ByteWriter()
        d.encode(into: &w, withInterfaces: withInterfaces)
        var r = ByteReader(w.bytes)
        guard var back = try? DeviceRecord.decode(&r, withInterfaces: withInterfaces) else {
            return FuzzCheck.require(false, "a device record we encoded does not decode")
        }
        if d.path.utf8.count < 256 { FuzzCheck.require(back.path == d.path, "device path round trip") }
        if d.busid.utf8.count < 32 { FuzzCheck.require(back.busid == d.busid, "busid round trip") }
        back.path = d.path; back.busid = d.busid
        FuzzCheck.require(back == d, "device record round trip")
    }
}
