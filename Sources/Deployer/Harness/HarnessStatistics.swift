/// What a session did on the wire and what went wrong on the way, counted.
public struct HarnessStatistics: Equatable, Sendable {
    public var framesSent = 0
    public var framesReceived = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    /// Input bytes of samples, counted once per sample (what the wire was for).
    public var inputBytes = 0
    /// INPUT frames sent again after the first pass over a sample.
    public var resentChunks = 0
    /// Passes beyond the first: resends from an offset and restarts from zero.
    public var retries = 0
    /// Samples sent again from the start under a new wire id.
    public var restarts = 0
    /// Received frames dropped for a bad CRC.
    public var crcErrors = 0
    /// Received bytes that were not a frame: bad COBS, too short, oversize.
    public var framingErrors = 0
    /// Frames with a good CRC whose payload did not parse or whose type is unknown.
    public var malformedFrames = 0
    /// Device frames missing by sequence number.
    public var sequenceGaps = 0
    /// RESULTs not delivered: unknown sample, other boot, input CRC mismatch or already delivered.
    public var droppedResults = 0
    /// NAKs, ERRORs and PONGs about an earlier pass than the current one: ignored.
    public var staleReplies = 0
    /// ERROR frames received, by any code.
    public var deviceErrors = 0
    /// Frames the device reported dropping (ERROR bad frame).
    public var deviceBadFrames = 0
    public var reboots = 0
    public var stalls = 0
    public var pings = 0
    public var baudSwitches = 0
    public var results = 0
    /// Most samples in flight at once.
    public var maxInFlight = 0

    public init() {}

    /// Bytes sent per input byte: the protocol's cost for the uploads, resends included.
    public var wireBytesPerInputByte: Double { inputBytes == 0 ? 0 : Double(bytesSent) / Double(inputBytes) }
}
