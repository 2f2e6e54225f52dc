/// A sample on its way through one of the device's input buffers ("slots").
struct InFlightSample {
    let id: Int
    let input: [UInt8]
    let inputCRC: UInt32
    /// The id on the wire. A fresh one for every pass from zero, so nothing the device computed
    /// for an earlier attempt can be taken for this one.
    var wireID: UInt32
    /// Sequence number of the first frame of the latest pass: device replies caused by earlier
    /// frames are stale.
    var passSeq: UInt16 = 0
    var retries = 0
    /// Passes in a row that got no further than the best the device has confirmed holding.
    var fruitlessPasses = 0
    /// The most input bytes of this attempt the device has confirmed holding.
    var confirmed = 0
    /// The device's slot holds this other sample (queued or running); restart once it is done.
    var blockedBy: UInt32?
    /// Ask the device for this inference's per-layer cycles.
    var profile = false
    /// LAYER_PROFILE frames received for the current wire id, before its RESULT.
    var layerProfile: LayerProfileFrame?
}

/// The host's view of the device's input buffers: which sample is in which, and what to send.
struct SamplePipeline {
    var slots: [InFlightSample?]
    /// Input bytes per INPUT frame; the session shrinks it on a line that keeps losing frames.
    var chunkSize: Int
    private var nextWireID: UInt32

    init(slotCount: Int, chunkSize: Int, firstWireID: UInt32) {
        slots = Array(repeating: nil, count: slotCount)
        self.chunkSize = chunkSize
        nextWireID = firstWireID
    }

    mutating func takeWireID() -> UInt32 {
        defer { nextWireID &+= 1 }
        return nextWireID
    }

    var freeSlot: Int? { slots.firstIndex { $0 == nil } }
    var inFlight: Int { slots.count { $0 != nil } }
    var isEmpty: Bool { inFlight == 0 }

    func slot(of wireID: UInt32) -> Int? { slots.firstIndex { $0?.wireID == wireID } }

    /// Wire bytes of a whole pass of `s`, at most (COBS's worst case per frame).
    func wireBytes(of s: InFlightSample) -> Int {
        let frames = (s.input.count + chunkSize - 1) / chunkSize
        let raw = s.input.count + frames * (Frame.overhead + HostMessage.inputHeaderCount) + Frame.overhead + 5
        return raw + raw / 254 + 2 * (frames + 1) + 1
    }

    /// INPUT frames from `offset` to the end, then INFER.
    func pass(slot: Int, from offset: Int) -> [HostMessage] {
        guard let s = slots[slot] else { return [] }
        var messages: [HostMessage] = []
        var at = offset
        while at < s.input.count {
            let n = min(chunkSize, s.input.count - at)
            messages.append(.input(slot: UInt8(slot), sample: s.wireID, offset: UInt32(at), data: Array(s.input[at..<at + n])))
            at += n
        }
        messages.append(.infer(slot: UInt8(slot), sample: s.wireID, profile: s.profile))
        return messages
    }
}

/// Sequence-number order on a 16-bit wrapping counter.
func seqAtOrAfter(_ a: UInt16, _ b: UInt16) -> Bool { Int16(bitPattern: a &- b) >= 0 }
