/// PONG: what each input buffer holds at the moment the device answered, and its counters.
public struct DeviceStatus: Equatable, Sendable {
    public struct Slot: Equatable, Sendable {
        public var state: SlotState
        public var sample: UInt32
        /// Input bytes held, contiguous from offset 0.
        public var received: UInt32
    }

    /// Device-side counters (hil_harness_counters).
    public struct Counters: Equatable, Sendable {
        public var rxFrames: UInt32, rxCRCErrors: UInt32, rxFramingErrors: UInt32, rxOversize: UInt32
        public var rxSeqGaps: UInt32, repliesDropped: UInt32, txFrames: UInt32, inferences: UInt32
        public var baudReverts: UInt32
    }

    /// Sequence number of the PING answered.
    public var ref: UInt16
    public var bootID: UInt32
    public var slots: [Slot]
    public var currentBaud: UInt32
    public var counters: Counters

    init(payload: [UInt8]) throws {
        var r = ByteReader(payload)
        ref = try r.u16()
        bootID = try r.u32()
        let count = Int(try r.u8())
        slots = try (0..<count).map { _ in
            Slot(state: SlotState(rawValue: try r.u8()) ?? .free, sample: try r.u32(), received: try r.u32())
        }
        currentBaud = try r.u32()
        counters = Counters(rxFrames: try r.u32(), rxCRCErrors: try r.u32(), rxFramingErrors: try r.u32(),
                            rxOversize: try r.u32(), rxSeqGaps: try r.u32(), repliesDropped: try r.u32(),
                            txFrames: try r.u32(), inferences: try r.u32(), baudReverts: try r.u32())
    }
}
