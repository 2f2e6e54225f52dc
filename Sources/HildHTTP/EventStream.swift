import Foundation
import HilAPI
import Hummingbird
import ServiceLifecycle

/// A job's live events as server-sent events: one `id:`/`event:`/`data:` block per JobEvent, a
/// `: keep-alive` comment whenever the stream has been silent for `keepAlive` (proxies drop idle
/// connections), and the end of the response when the job's stream finishes. A graceful shutdown
/// of hild ends the stream too, so in-flight streams do not hold the shutdown up.
enum EventStream {
    enum Item: Sendable {
        case event(JobEvent)
        case tick
    }

    static func response(events: AsyncStream<JobEvent>, keepAlive: Duration) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
            // nginx buffers responses unless told not to, which would hold events back.
            .accelBuffering: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await write(events: events, keepAlive: keepAlive, to: &writer)
        })
    }

    static func write(events: AsyncStream<JobEvent>, keepAlive: Duration, to writer: inout any ResponseBodyWriter) async throws {
        // Events and ticks merge into one stream so a single loop owns the writer.
        let (items, merged) = AsyncStream<Item>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events { merged.yield(.event(event)) }
                merged.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: keepAlive / 2)
                    merged.yield(.tick)
                }
            }
            try await withGracefulShutdownHandler {
                let clock = ContinuousClock()
                var lastWrite = clock.now
                for await item in items {
                    switch item {
                    case .event(let event):
                        try await writer.write(ByteBuffer(string: try format(event)))
                    case .tick:
                        guard clock.now - lastWrite >= keepAlive else { continue }
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                    lastWrite = clock.now
                }
            } onGracefulShutdown: {
                merged.finish()
            }
            // Stops the ticker and, if the client went away first, the subscription to the job.
            group.cancelAll()
        }
        try await writer.finish(nil)
    }

    /// One SSE block. APIJSON writes a single line (no pretty printing; newlines inside strings
    /// are escaped), which `data:` requires.
    static func format(_ event: JobEvent) throws -> String {
        let json = String(decoding: try APIJSON.encoder().encode(event), as: UTF8.self)
        // A line break in the kind would end the field early; kinds are identifiers, so this only guards.
        let kind = event.kind.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return "id: \(event.seq)\nevent: \(kind)\ndata: \(json)\n\n"
    }
}
