import Deployer
import Foundation
import GDBRemote
import USBIP

/// Seed inputs built from hil's own encoders, for the targets whose valid inputs are messages
/// rather than files: written by `hil-fuzz --write-seeds DIR` into Tests/Fuzz/corpus (the file
/// formats' seeds come from examples/, copied by Tests/Fuzz/make-corpus). A seed built from the
/// encoders stays valid when a format changes: regenerate, and the corpus follows.
public enum FuzzSeeds {
    public static func seeds(for target: FuzzTarget) -> [(name: String, bytes: [UInt8])] {
        switch target {
        case .model: [("example-ex.hilm", DeviceFrameTarget.exampleModel)]
        case .deviceFrames: hostStreams.map { ($0.name, $0.bytes) }
        case .hostFrames:
            // What the device answers to each host stream, as the raw line (mode 0x3E: 32-byte reads).
            hostStreams.map { ("replies-to-\($0.name)", [0x3E] + DeviceFrameTarget.replies(to: $0.bytes)) }
        case .usbip: usbipMessages
        case .gdbRSP: gdbPackets.map { ($0.0, Array($0.1.utf8)) }
        case .apiJSON: jobBodies.map { ($0.0, Array($0.1.utf8)) }
        case .elf, .intelHex, .binary, .npy, .image: []
        }
    }

    /// Host streams in FrameStream's structured form (first byte odd; records type, seq, length,
    /// payload), from HostMessage's encoder.
    static var hostStreams: [(name: String, bytes: [UInt8])] {
        func stream(_ mode: UInt8, _ messages: [HostMessage]) -> [UInt8] {
            var bytes = [mode]
            for (seq, m) in messages.enumerated() {
                let payload = m.payload
                bytes += [m.type.rawValue, UInt8(truncatingIfNeeded: seq), UInt8(payload.count)] + payload
            }
            return bytes
        }
        let input: [UInt8] = [10, 0xF9, 0, 127]
        return [
            ("hello-ping-baud", stream(0x01, [.helloRequest, .ping, .setBaud(921_600), .ping])),
            ("one-sample", stream(0x07, [.input(slot: 0, sample: 0, offset: 0, data: input), .infer(slot: 0, sample: 0)])),
            ("two-slots-chunked", stream(0x7F, [
                .input(slot: 0, sample: 0, offset: 0, data: Array(input[0..<2])),
                .input(slot: 0, sample: 0, offset: 2, data: Array(input[2...])),
                .input(slot: 1, sample: 1, offset: 0, data: input.reversed()),
                .infer(slot: 0, sample: 0), .infer(slot: 1, sample: 1, profile: true), .ping])),
            ("refusals", stream(0x03, [.setBaud(3_000_000), .infer(slot: 0, sample: 9),
                                       .input(slot: 2, sample: 0, offset: 0, data: input),
                                       .input(slot: 0, sample: 0, offset: 3, data: input)])),
        ]
    }

    static var usbipMessages: [(name: String, bytes: [UInt8])] {
        let device = DeviceRecord(path: "/sys/devices/platform/mock/usb1/1-1", busid: "1-1", busnum: 1, devnum: 2, speed: 2,
                                  idVendor: 0x0483, idProduct: 0x374B, bcdDevice: 0x0100, deviceClass: 0xEF,
                                  deviceSubClass: 2, deviceProtocol: 1, configurationValue: 1, numConfigurations: 1,
                                  interfaces: [InterfaceClass(0xFF, 0xFF, 0xFF), InterfaceClass(2, 2, 1), InterfaceClass(10, 0, 0)])
        let getDescriptor = SetupPacket.getDescriptor(type: 1, length: 18)
        let submit = CmdSubmit(seqnum: 7, devid: device.devid, direction: .in, endpoint: 0, length: 18, setup: getDescriptor.bytes)
        let bulkOut = CmdSubmit(seqnum: 8, devid: device.devid, direction: .out, endpoint: 1, length: 16)
        // A configuration descriptor: one vendor interface with a bulk IN and a bulk OUT endpoint.
        let configuration: [UInt8] = [9, 2, 32, 0, 1, 1, 0, 0x80, 50,
                                      9, 4, 0, 0, 2, 0xFF, 0xFF, 0xFF, 4,
                                      7, 5, 0x81, 2, 64, 0, 0,
                                      7, 5, 0x01, 2, 64, 0, 0]
        return [
            ("op-req-devlist", OpHeader(code: USBIPOp.reqDevlist).bytes),
            ("op-rep-devlist", encodeDevlistReply([device, device])),
            ("op-req-import", encodeImportRequest(busid: "1-1")),
            ("op-rep-import", encodeImportReply(device)),
            ("op-rep-import-refused", encodeImportReply(nil)),
            ("cmd-submit-control", submit.encode()),
            ("cmd-submit-bulk-out", bulkOut.encode(data: Array(repeating: 0xF1, count: 16))),
            ("ret-submit", RetSubmit(seqnum: 7, status: 0, actualLength: 18).encode(data: Array(repeating: 0x12, count: 18))),
            ("cmd-unlink", encodeUnlink(seqnum: 9, devid: device.devid, unlinkSeqnum: 8)),
            ("ret-unlink", encodeRetUnlink(seqnum: 9, status: -104)),
            ("setup-set-line-coding", SetupPacket.setLineCoding(interface: 1).bytes + LineCoding(baud: 921_600).bytes),
            ("configuration-descriptor", configuration),
            ("string-descriptor", USBDescriptors.stringDescriptor("STM32 STLink")),
        ]
    }

    /// Replies GDB stubs send (QEMU's, OpenOCD's), framed as they travel, acks and noise included.
    static var gdbPackets: [(String, String)] {
        func framed(_ payload: String) -> String {
            String(decoding: RSPPacket.frame(Array(payload.utf8)), as: UTF8.self)
        }
        return [
            ("stop-t05", "+" + framed("T05thread:p01.01;0f:21430000;swbreak:;")),
            ("stop-s05-ok", framed("S05") + framed("OK")),
            ("run-lengths", framed("0* ff*\"00")),
            ("memory-hex", framed("00500020c1010008c5010008")),
            ("notification", "%Stop:T05thread:01;#00" + framed("W00")),
            ("binary-escape", framed("}\u{03}}\u{04}ab")),
            ("cut-off-frame", "$T0" + framed("E01")),
            ("error-reply", "-" + framed("E14")),
        ]
    }

    static var jobBodies: [(String, String)] {
        let id = String(repeating: "ab", count: 32)
        return [
            ("minimal", #"{"model":"\#(id)","dataset":"\#(id)"}"#),
            ("full", #"{"name":"asl nightly","model":"\#(id)","dataset":"\#(id)","labels":"\#(id)","firmware":"\#(id)","selector":{"board_type":"stm32f746g-disco","tag":"shelf-2","board":"4D4F434B0746F7D15C000001","kind":"mock"},"options":{"limit":100,"baud":921600,"warmup":2,"repeats":3,"pixels":"unit","profile":4},"thresholds":{"min_top1":0.9,"min_agreement":1,"max_p50_ms":120.5,"max_p99_ms":200},"priority":5,"health_check":false}"#),
            ("health-check", #"{"model":"\#(id)","dataset":"\#(id)","selector":{"board":"qemu-1"},"health_check":true,"priority":-3}"#),
            ("selector-only", #"{"board_type":"qemu-mps2-an500","kind":"qemu"}"#),
        ]
    }
}
