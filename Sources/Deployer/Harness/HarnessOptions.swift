/// How patient a session is. The defaults suit a real board at 115200 baud and up.
public struct HarnessOptions: Sendable {
    /// Silence after which the host PINGs. The session adds twice the longest inference seen,
    /// since the device answers only between inferences.
    public var replyTimeout: Duration = .milliseconds(500)
    /// HELLO requests sent before giving up on a device that says nothing.
    public var helloAttempts = 6
    /// PINGs in a row without an answer before the link is declared dead.
    public var maxUnansweredPings = 10
    /// Unanswered PINGs after which the host tries the other baud rate (after a baud switch, a
    /// reset device is back at its boot rate).
    public var pingsBeforeBaudFallback = 2
    /// Resends of a sample in a row that get the device no further with it, before giving up.
    public var maxRetriesPerSample = 10
    /// Input bytes per INPUT frame; nil for the most the device's frame allows.
    public var chunkSize: Int?
    /// The shortest INPUT chunk the session falls back to on a line that keeps losing frames.
    public var smallestChunk = 64
    /// Bytes of noise without a valid frame that count as silence (a line full of garbage is as
    /// good as a dead one, and reads would never time out).
    public var noiseLimit = 8192
    /// First wire sample id; nil picks a random one, so a run never reuses ids a previous run left
    /// on the device.
    public var firstWireID: UInt32?
    /// Bytes asked of each read.
    public var readSize = 4096

    public init() {}
}
