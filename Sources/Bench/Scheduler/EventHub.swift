import Foundation
import HilAPI

/// Live followers of each job's events. Owned by the Bench actor: publishing and subscribing
/// happen on the actor, so a follower gets the stored backlog and then every new event, none twice.
struct EventHub: Sendable {
    private var followers: [Int64: [UUID: AsyncStream<JobEvent>.Continuation]] = [:]

    mutating func follow(job: Int64) -> (UUID, AsyncStream<JobEvent>, AsyncStream<JobEvent>.Continuation) {
        let (stream, continuation) = AsyncStream<JobEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        followers[job, default: [:]][id] = continuation
        return (id, stream, continuation)
    }

    mutating func unfollow(job: Int64, id: UUID) {
        followers[job]?[id] = nil
        if followers[job]?.isEmpty == true { followers[job] = nil }
    }

    /// Sends the event to every follower; "finished" ends their streams.
    mutating func publish(_ event: JobEvent) {
        guard let list = followers[event.jobID] else { return }
        for c in list.values {
            c.yield(event)
            if event.kind == "finished" { c.finish() }
        }
        if event.kind == "finished" { followers[event.jobID] = nil }
    }

    /// Ends every stream (shutdown).
    mutating func finishAll() {
        for list in followers.values { for c in list.values { c.finish() } }
        followers = [:]
    }
}
