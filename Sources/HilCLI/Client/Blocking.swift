import Foundation

/// Runs async work from a synchronous command and waits for it. hilctl's commands stay
/// `ParsableCommand` (the root and `main.swift` are synchronous); the work runs on the global
/// executor and NIO's event loops, never on the blocked main thread, so waiting cannot deadlock.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { lock.withLock { result = r } }
    func get() throws -> T {
        guard let result = lock.withLock({ result }) else { fatalError("blocking: the task ended without a result") }
        return try result.get()
    }
}
