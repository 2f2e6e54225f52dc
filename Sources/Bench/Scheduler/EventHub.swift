import Foundation
import HilAPI

/// Live followers of each job's events. Owned by the Bench actor: publishing and subscribing
/// happen on the actor, so a follower gets the stored backlog and then every new event, none twice.
/// On a shared store the same event can reach the hub twice (written here, then read back with
/// other hosts' events): each job's stream only moves forward, so an event at or before the last
/// one sent is dropped.
struct EventHub: Sendable {
    private var followers: [Int64: [UUID: AsyncStream<JobEvent>.Continuation]] = [:]
    /// The last event sequence number sent for each followed job.
    private var lastSeq: [Int64: Int64] = [:]

    /// Jobs somebody follows, with the last event sent to them (0: none yet).
    var followed: [Int64: Int64] {
        Dictionary(uniqueKeysWithValues: followers.keys.map { ($0, lastSeq[$0] ?? 0) })
    }
    func isFollowed(_ job: Int64) -> Bool { followers[job] != nil }

    mutating func follow(job: Int64) -> (UUID, AsyncStream<JobEvent>, AsyncStream<JobEvent>.Continuation) {
        let (stream, continuation) = AsyncStream<JobEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        followers[job, default: [:]][id] = continuation
        return (id, stream, continuation)
    }

    /// The first follower of a job has read the store up to `seq`: later events start there.
    mutating func primed(job: Int64, upTo seq: Int64) {
        if followers[job] != nil, lastSeq[job] == nil { lastSeq[job] = seq }
    }

    mutating func unfollow(job: Int64, id: UUID) {
        followers[job]?[id] = nil
        if followers[job]?.isEmpty == true { followers[job] = nil; lastSeq[job] = nil }
    }

    /// Sends the event to every follower; "finished" ends their streams.
    mutating func publish(_ event: JobEvent) {
        guard let list = followers[event.jobID] else { return }
        if let last = lastSeq[event.jobID], event.seq <= last { return }
        lastSeq[event.jobID] = event.seq
        for c in list.values {
            c.yield(event)
            if event.kind == "finished" { c.finish() }
        }
        if event.kind == "finished" { followers[event.jobID] = nil; lastSeq[event.jobID] = nil }
    }
}
