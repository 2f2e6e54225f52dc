/// The messages of an imported device (usbip_protocol.rst): every one is a 48-byte header —
/// the 20-byte basic header (command, seqnum, devid, direction, ep) and 28 bytes that depend on
/// the command — followed, for an OUT submit or an IN reply, by the transfer's data.
public enum URBCommand: UInt32, Sendable {
    case submit = 1, unlink = 2, retSubmit = 3, retUnlink = 4
}

public enum URBDirection: UInt32, Sendable {
    case out = 0, `in` = 1
}

/// Linux errno values that URB statuses carry (negated).
public enum URBStatus {
    public static let ok: Int32 = 0
    /// The endpoint stalled: the device refused the request.
    public static let stall: Int32 = -32          // -EPIPE
    /// The unlink won: the URB was cancelled before it completed.
    public static let unlinked: Int32 = -104      // -ECONNRESET
    /// The device sent more than the buffer holds.
    public static let overflow: Int32 = -75       // -EOVERFLOW
    /// The device is gone.
    public static let noDevice: Int32 = -19       // -ENODEV
    /// Short read where the submit asked for none (URB_SHORT_NOT_OK).
    public static let remoteIO: Int32 = -121      // -EREMOTEIO
}

/// One message after the import, decoded from its 48-byte header (data is read separately: its
/// length depends on the submit it answers).
public enum URBMessage: Equatable, Sendable {
    case submit(CmdSubmit)
    case unlink(seqnum: UInt32, devid: UInt32, unlinkSeqnum: UInt32)
    case retSubmit(RetSubmit)
    case retUnlink(seqnum: UInt32, status: Int32)

    public static let headerSize = 48

    public static func decode(header bytes: [UInt8]) throws(USBIPProtocolError) -> URBMessage {
        var r = ByteReader(bytes)
        let raw = try r.u32()
        let seqnum = try r.u32(), devid = try r.u32(), direction = try r.u32(), ep = try r.u32()
        guard let command = URBCommand(rawValue: raw) else {
            throw .unexpected("unknown USB/IP command 0x\(String(raw, radix: 16)) (seqnum \(seqnum))")
        }
        switch command {
        case .submit:
            guard let dir = URBDirection(rawValue: direction) else { throw .unexpected("direction \(direction) in CMD_SUBMIT \(seqnum)") }
            return .submit(CmdSubmit(seqnum: seqnum, devid: devid, direction: dir, endpoint: UInt8(truncatingIfNeeded: ep),
                                     transferFlags: try r.u32(), length: try r.u32(), startFrame: try r.i32(),
                                     numberOfPackets: try r.i32(), interval: try r.i32(), setup: try r.bytes(8)))
        case .unlink:
            return .unlink(seqnum: seqnum, devid: devid, unlinkSeqnum: try r.u32())
        case .retSubmit:
            return .retSubmit(RetSubmit(seqnum: seqnum, status: try r.i32(), actualLength: try r.u32(),
                                        startFrame: try r.i32(), numberOfPackets: try r.i32(), errorCount: try r.i32()))
        case .retUnlink:
            return .retUnlink(seqnum: seqnum, status: try r.i32())
        }
    }
}

/// USBIP_CMD_SUBMIT: one URB. OUT data (`length` bytes) follows the header; IN has none.
public struct CmdSubmit: Equatable, Sendable {
    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: URBDirection
    /// The endpoint number without its direction bit (0 for control).
    public var endpoint: UInt8
    public var transferFlags: UInt32
    public var length: UInt32
    public var startFrame: Int32 = 0
    /// 0xFFFFFFFF (-1) when not isochronous, as the protocol document says.
    public var numberOfPackets: Int32 = -1
    public var interval: Int32 = 0
    /// The 8-byte setup packet of a control transfer, zeros otherwise.
    public var setup: [UInt8]

    public init(seqnum: UInt32, devid: UInt32, direction: URBDirection, endpoint: UInt8, transferFlags: UInt32 = 0,
                length: UInt32, startFrame: Int32 = 0, numberOfPackets: Int32 = -1, interval: Int32 = 0,
                setup: [UInt8] = [UInt8](repeating: 0, count: 8)) {
        self.seqnum = seqnum; self.devid = devid; self.direction = direction; self.endpoint = endpoint
        self.transferFlags = transferFlags; self.length = length; self.startFrame = startFrame
        self.numberOfPackets = numberOfPackets; self.interval = interval; self.setup = setup
    }

    /// The endpoint address as USB writes it (0x81 for IN endpoint 1).
    public var endpointAddress: UInt8 { direction == .in ? endpoint | 0x80 : endpoint }

    public func encode(data: [UInt8] = []) -> [UInt8] {
        var w = ByteWriter(capacity: URBMessage.headerSize + data.count)
        w.u32(URBCommand.submit.rawValue); w.u32(seqnum); w.u32(devid); w.u32(direction.rawValue); w.u32(UInt32(endpoint))
        w.u32(transferFlags); w.u32(length); w.i32(startFrame); w.i32(numberOfPackets); w.i32(interval)
        w.append(Array((setup + [UInt8](repeating: 0, count: 8)).prefix(8)))
        w.append(data)
        return w.bytes
    }
}

/// USBIP_RET_SUBMIT: how a URB ended. IN data (`actualLength` bytes) follows the header.
public struct RetSubmit: Equatable, Sendable {
    public var seqnum: UInt32
    public var status: Int32
    public var actualLength: UInt32
    public var startFrame: Int32 = 0
    public var numberOfPackets: Int32 = 0
    public var errorCount: Int32 = 0

    public init(seqnum: UInt32, status: Int32, actualLength: UInt32, startFrame: Int32 = 0,
                numberOfPackets: Int32 = 0, errorCount: Int32 = 0) {
        self.seqnum = seqnum; self.status = status; self.actualLength = actualLength
        self.startFrame = startFrame; self.numberOfPackets = numberOfPackets; self.errorCount = errorCount
    }

    /// The reply; a server sets devid, direction and ep to 0.
    public func encode(data: [UInt8] = []) -> [UInt8] {
        var w = ByteWriter(capacity: URBMessage.headerSize + data.count)
        w.u32(URBCommand.retSubmit.rawValue); w.u32(seqnum); w.u32(0); w.u32(0); w.u32(0)
        w.i32(status); w.u32(actualLength); w.i32(startFrame); w.i32(numberOfPackets); w.i32(errorCount)
        w.append([UInt8](repeating: 0, count: 8))
        w.append(data)
        return w.bytes
    }
}

/// USBIP_CMD_UNLINK: cancel the submit `unlinkSeqnum`.
public func encodeUnlink(seqnum: UInt32, devid: UInt32, unlinkSeqnum: UInt32) -> [UInt8] {
    var w = ByteWriter(capacity: URBMessage.headerSize)
    w.u32(URBCommand.unlink.rawValue); w.u32(seqnum); w.u32(devid); w.u32(0); w.u32(0)
    w.u32(unlinkSeqnum)
    w.append([UInt8](repeating: 0, count: 24))
    return w.bytes
}

/// USBIP_RET_UNLINK: -ECONNRESET when the URB was cancelled, 0 when it had already completed.
public func encodeRetUnlink(seqnum: UInt32, status: Int32) -> [UInt8] {
    var w = ByteWriter(capacity: URBMessage.headerSize)
    w.u32(URBCommand.retUnlink.rawValue); w.u32(seqnum); w.u32(0); w.u32(0); w.u32(0)
    w.i32(status)
    w.append([UInt8](repeating: 0, count: 24))
    return w.bytes
}
