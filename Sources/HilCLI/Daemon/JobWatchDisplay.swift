import Foundation
import HilAPI

/// A followed job on stderr. On a terminal: the progress redrawn in place, other events as lines
/// above it. In a log (CI): one line per tenth of the run and per phase, and every other event.
/// Used from one task at a time (events arrive in order), hence unchecked Sendable.
final class JobWatchDisplay: @unchecked Sendable {
    private let interactive = isatty(FileHandle.standardError.fileDescriptor) == 1
    private var drawn = false
    private var lastPhase = ""
    private var lastDecile = -1
    private var lastDraw = ContinuousClock.now - .seconds(1)

    func show(_ event: JobEvent) {
        if event.kind == "progress", let p = event.progress { return progress(p) }
        log("\(event.kind)\(event.board.map { " [\($0)]" } ?? ""): \(event.message)")
    }

    func log(_ line: String) {
        clear()
        note(line)
    }

    func finish() { clear() }

    private func progress(_ p: JobProgress) {
        let text = JobText.progress(p)
        if interactive {
            guard ContinuousClock.now - lastDraw > .milliseconds(100) || p.done == p.total else { return }
            lastDraw = ContinuousClock.now
            FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
            drawn = true
        } else {
            let decile = p.total > 0 ? p.done * 10 / p.total : 0
            guard p.phase != lastPhase || decile != lastDecile else { return }
            lastPhase = p.phase; lastDecile = decile
            note(text)
        }
    }

    /// Ends the redrawn progress line so the next line starts clean.
    private func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drawn = false
    }
}
