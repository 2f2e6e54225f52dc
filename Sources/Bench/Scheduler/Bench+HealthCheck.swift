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
                               selector: BoardSelector(board: board, host: store.sharedHost), priority: Int.max / 2, healthCheck: true)
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

/// tar, run for the bench: a dataset folder archived as the API takes it, an archive listed or
/// unpacked. One runner, so every use drains both pipes and reports tar's own words.
public enum DatasetArchive {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// tar ran and refused (as opposed to tar not running at all).
        let refused: Bool
    }

    /// The folder's contents, archived with relative paths.
    public static func tar(directory: String) throws -> Data {
        try run(["-C", directory, "-cf", "-", "."])
    }

    /// Runs tar with `arguments`; its standard output on success.
    static func run(_ arguments: [String]) throws(Failure) -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tar"] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            throw Failure(description: "cannot run tar (\(error.localizedDescription)); install Debian's tar", refused: false)
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: message.trimmingCharacters(in: .whitespacesAndNewlines), refused: true)
        }
        return data
    }
}
