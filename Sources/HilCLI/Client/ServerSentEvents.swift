import Foundation

/// One event of a `text/event-stream`.
public struct ServerSentEvent: Sendable, Equatable {
    /// The last `id:` seen so far in the stream (ids persist across events, as the spec says);
    /// a client resumes by sending it as `Last-Event-ID`.
    public var id: String?
    /// `event:`; "message" when the event named none.
    public var event: String
    /// Every `data:` line of the event, joined by newlines.
    public var data: String
    /// `retry:` in milliseconds, when the event carried one.
    public var retry: Int?

    public init(id: String? = nil, event: String = "message", data: String, retry: Int? = nil) {
        self.id = id; self.event = event; self.data = data; self.retry = retry
    }
}

/// The event-stream format (WHATWG HTML §9.2) as bytes arrive: chunks may split lines, CRLF pairs
/// and UTF-8 sequences anywhere, so lines are assembled as bytes and decoded whole. Pure: no I/O.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    /// A chunk ended on CR: a LF opening the next chunk belongs to the same line break.
    private var afterCR = false
    private var atStreamStart = true
    private var lastEventID: String?
    private var eventType = ""
    private var data = ""
    private var hasData = false
    private var retry: Int?
    /// Comment lines seen (`: keep-alive`); they carry no event but show the stream is alive.
    public private(set) var comments = 0

    public init() {}

    /// Feeds a chunk; returns the events it completed, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                afterCR = true
                if let event = endLine() { events.append(event) }
            case 0x0A:
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// The stream ended. An event not closed by a blank line is discarded, as the spec says: a
    /// stream cut mid-event must not deliver half an event.
    public mutating func finish() {
        line.removeAll(); afterCR = false
        resetEvent()
    }

    private mutating func endLine() -> ServerSentEvent? {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if atStreamStart {
            atStreamStart = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty { return dispatch() }
        if bytes.first == UInt8(ascii: ":") { comments += 1; return nil }
        let field: String
        let value: String
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            var rest = bytes[bytes.index(after: colon)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = String(decoding: rest, as: UTF8.self)
        } else {
            field = String(decoding: bytes, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": eventType = value
        case "data":
            if hasData { data += "\n" }
            data += value; hasData = true
        case "id": if !value.contains("\0") { lastEventID = value }
        case "retry": if !value.isEmpty, value.allSatisfy(\.isASCII), let ms = Int(value), ms >= 0 { retry = ms }
        default: break   // unknown fields are ignored, as the spec says
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer { resetEvent() }
        guard hasData else { return nil }
        return ServerSentEvent(id: lastEventID, event: eventType.isEmpty ? "message" : eventType, data: data, retry: retry)
    }

    private mutating func resetEvent() {
        eventType = ""; data = ""; hasData = false; retry = nil
    }
}
