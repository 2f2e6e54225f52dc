import HilAPI

/// Which queued job starts on which free board: by priority, then age (the queue's order); a job
/// whose boards are all busy does not hold back a later job that can run elsewhere. A retry
/// avoids the boards that failed under it while another matching board is free.
public enum Assignment {
    public struct Pair: Sendable, Equatable {
        public let job: Int64
        public let board: String
    }

    public static func plan(queue: [JobRecord], registry: BoardRegistry) -> [Pair] {
        var taken = Set<String>()
        var pairs: [Pair] = []
        // Computed once: with thousands of queued jobs the plan runs on every submit.
        let idle = registry.available(forHealthCheck: false, board: nil)
        for job in queue {
            let candidates = job.spec.healthCheck
                ? registry.available(forHealthCheck: true, board: job.spec.selector.board) : idle
            let free = candidates.filter { !taken.contains($0.id) && job.spec.selector.matches($0) }
            guard !free.isEmpty else { continue }
            let fresh = free.filter { !job.failedBoards.contains($0.id) }
            // Spread work: the board that has run fewest jobs first, then by id for a stable order.
            let pool = fresh.isEmpty ? free : fresh
            let pick = pool.min { ($0.jobsRun, $0.id) < ($1.jobsRun, $1.id) }!
            taken.insert(pick.id)
            pairs.append(Pair(job: job.id, board: pick.id))
        }
        return pairs
    }
}
