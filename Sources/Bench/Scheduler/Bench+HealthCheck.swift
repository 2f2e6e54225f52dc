import Foundation
import HilAPI
import HildStore

extension Bench {
    /// Queues the configured health check on a board that was just quarantined; it runs there
    /// ahead of other work (highest priority) and a pass returns the board to service.
    func queueHealthCheck(for board: String) {
        guard let check = configuration.healthCheck else {
            logger.warning("board \(board) is quarantined and no health_check is configured; submit a job with health_check true naming it to release it")
            return
        }
        do {
            let model = try store.putArtifact(kind: .model, bytes: Data(contentsOf: URL(fileURLWithPath: check.model)))
            let dataset = try store.putArtifact(kind: .dataset, bytes: DatasetArchive.tar(directory: check.dataset))
            var spec = JobSpec(name: "health check of \(board)", model: model.id, dataset: dataset.id,
                               selector: BoardSelector(board: board), priority: Int.max / 2, healthCheck: true)
            spec.options.limit = check.limit
            spec.thresholds.minTop1 = check.minTop1
            spec.thresholds.minAgreement = 1
            let record = try store.insertJob(spec)
            queuedSince[record.id] = .now
            queued[record.id] = record
            logger.notice("queued health check job \(record.id) on \(board)")
            wake()
        } catch {
            logger.error("cannot queue the health check for \(board): \(error)")
        }
    }
}

/// A dataset folder as the tar archive the API takes.
enum DatasetArchive {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func tar(directory: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tar", "-C", directory, "-cf", "-", "."]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure(description: "cannot archive \(directory): \(message)") }
        return data
    }
}
