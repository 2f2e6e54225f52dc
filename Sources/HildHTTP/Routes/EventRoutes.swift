import Foundation
import HilAPI
import Hummingbird

extension APIHandlers {
    /// `GET /v1/jobs/{id}/events?after=N`: the log so far as JSON, or, when the client accepts
    /// `text/event-stream`, a live stream that ends with the job.
    func jobEvents(_ request: Request, _ context: some RequestContext) async throws(APIError) -> Response {
        let id = try RequestInput.jobID(context)
        var after = try RequestInput.integer(request, "after", in: Int64(0)...Int64.max) ?? 0
        let accept = request.headers[values: .accept].joined(separator: ",")
        guard accept.contains("text/event-stream") else {
            return try Responses.json(try await service.events(job: id, after: after))
        }
        // An EventSource reconnecting sends the last id it saw; that wins over the URL it reuses.
        if let lastID = request.headers[.lastEventID] {
            guard let seq = Int64(lastID.trimmingCharacters(in: .whitespaces)), seq >= 0 else {
                throw .badRequest("header Last-Event-ID '\(lastID)' is not an event seq: send the id: of the last event received",
                                  code: "invalid_last_event_id")
            }
            after = seq
        }
        // Asked before the response starts, so an unknown job is still a JSON 404.
        let events = try await service.liveEvents(job: id, after: after)
        return EventStream.response(events: events, keepAlive: configuration.keepAliveInterval)
    }
}

// HTTPField itself is not re-exported by Hummingbird; HTTPFields.Element is the same type.
extension HTTPFields.Element.Name {
    static var lastEventID: Self { Self("Last-Event-ID")! }
    static var accelBuffering: Self { Self("X-Accel-Buffering")! }
}
