import Foundation
import HilAPI

extension HildClient {
    /// Follows a job's live event stream until its "finished" event, handing each event to
    /// `onEvent` once. When the stream drops it reconnects with `Last-Event-ID` (and `after=`) so
    /// nothing is missed or repeated; `onInterruption` is told why. Gives up after `maxRetries`
    /// drops in a row without a new event. Returns the last seq seen.
    @discardableResult
    public func follow(job id: Int64, after: Int64 = 0, maxRetries: Int = 10,
                       onInterruption: (String) -> Void = { _ in },
                       onEvent: (JobEvent) async throws -> Void) async throws -> Int64 {
        var last = after
        var drops = 0
        while true {
            var finished = false
            let reason: String
            var request = HildRequest(.GET, "/v1/jobs/\(id)/events?after=\(last)")
            if last > 0 { request.headers.append((name: "Last-Event-ID", value: String(last))) }
            do {
                _ = try await stream(request) { sse in
                    let event: JobEvent
                    do { event = try APIJSON.decoder().decode(JobEvent.self, from: Data(sse.data.utf8)) } catch {
                        throw ClientError.protocolError("an event of job \(id) is not JobEvent JSON (\(error)): \(sse.data.prefix(200))")
                    }
                    guard event.seq > last else { return true }   // already seen before a reconnect
                    last = event.seq
                    drops = 0
                    try await onEvent(event)
                    if event.kind == "finished" { finished = true; return false }
                    return true
                }
                if finished { return last }
                // Ended without "finished": a job that finished before we asked may send nothing.
                if try await job(id).state.isFinal { return last }
                reason = "hild ended the event stream before the job finished"
            } catch let error as ClientError {
                switch error {
                case .unreachable, .protocolError: reason = "\(error)"
                case .api(let api) where api.status >= 500: reason = "\(error)"
                default: throw error
                }
            }
            drops += 1
            guard drops <= maxRetries else {
                throw ClientError.protocolError("the event stream of job \(id) dropped \(drops) times in a row (last: \(reason)); the job goes on: see `hilctl show \(id)`")
            }
            onInterruption("event stream interrupted (\(reason)); reconnecting after event \(last)")
            try await Task.sleep(for: .milliseconds(min(5_000, 250 << min(drops, 5))))
        }
    }
}
