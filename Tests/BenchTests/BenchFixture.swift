import Foundation
import Testing
@testable import Bench
import Deployer
import HilAPI
import HildStore
import MockBoard

/// A bench on mock boards in a temporary state directory, running in a task of its own.
///
/// The scheduler's tests run on host-harness mocks (`MockCoreKind.hostHarness`): they are about
/// the bench around the board, and several emulated cores on two CPUs would make their timeouts
/// measure CPU contention. The emulated core, which runs the flashed firmware and is the default
/// of hild and hilctl, is exercised by `core: .emulated` here, the daemon's end-to-end tests and
/// Tests/FirmwareTests.
final class BenchFixture: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let directory: URL
    let bench: Bench
    let store: any JobStore
    private var task: Task<Void, Never>?

    init(mockBoards: Int, qemuBoards: Int = 0, udev: Bool = false, attach: Bool = true, maxAttempts: Int = 3, quarantineAfter: Int = 3,
         tags: [String: [String]] = [:], directory: URL? = nil, usbipProbes: [String] = [], usbipRetrySeconds: Double = 10,
         core: MockCoreKind = .hostHarness, sharedStore: ((URL) throws -> any JobStore)? = nil,
         configure: (inout BenchConfiguration) -> Void = { _ in }) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        let catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        store = try sharedStore?(self.directory) ?? BenchStore(directory: self.directory)
        var config = BenchConfiguration(stateDirectory: self.directory.path, mockBoards: mockBoards, qemuBoards: qemuBoards, udev: udev, tags: tags,
                                        maxAttempts: maxAttempts, quarantineAfter: quarantineAfter)
        config.mockCore = core
        config.socket = self.directory.appendingPathComponent("hild.sock").path
        config.usbipProbes = usbipProbes
        config.usbipRetrySeconds = usbipRetrySeconds
        configure(&config)
        bench = try Bench(configuration: config, catalog: catalog, store: store)
        let bench = self.bench
        task = Task { await bench.run(attachMockBoards: attach) }
    }

    func stop() async {
        task?.cancel()
        await task?.value
        task = nil
    }

    deinit { task?.cancel() }

    /// The example model and its holdout set, uploaded.
    /// `slow`: stay at the board's boot rate (115200 baud, about 3.7 samples a second), so a test
    /// that acts on a running job has seconds to do it however loaded the machine is.
    func spec(limit: Int = 12, priority: Int = 0, selector: BoardSelector = BoardSelector(), name: String? = nil,
              slow: Bool = false) async throws -> JobSpec {
        let model = try Data(contentsOf: Self.root.appendingPathComponent("examples/shapes/shapes.hilm"))
        let dataset = try DatasetArchive.tar(directory: Self.root.appendingPathComponent("examples/shapes/holdout").path)
        let m = try await bench.putArtifact(kind: .model, bytes: model)
        let d = try await bench.putArtifact(kind: .dataset, bytes: dataset)
        var spec = JobSpec(name: name, model: m.id, dataset: d.id, selector: selector, priority: priority)
        spec.options.limit = limit
        spec.options.baud = slow ? nil : 921_600
        return spec
    }

    /// Waits for a job to reach a final state (generous: CI machines are slow).
    func finished(_ id: Int64, within seconds: Double = 120) async throws -> JobRecord {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let job = try await bench.job(id: id)
            if job.state.isFinal { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("job \(id) did not finish within \(seconds) s")
        return try await bench.job(id: id)
    }

    func until(_ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
    }

    func board(_ id: String) async -> BoardInfo? { try? await bench.board(id: id) }
}
