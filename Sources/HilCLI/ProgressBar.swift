import Foundation
import STLink

/// Flash progress on stderr. On a terminal: a bar redrawn in place, per phase (erase, program,
/// verify) with bytes and KB/s. Elsewhere (CI logs): one line when each phase ends, with the same
/// figures, so a log shows where the time went without carriage-return noise.
final class ProgressBar {
    private let interactive: Bool
    private let clockLabel: String
    private var current: FlashProgress?
    private var phaseStart: FlashProgress?
    private var lastDraw: Duration = .zero

    init(virtualClock: Bool) {
        interactive = isatty(FileHandle.standardError.fileDescriptor) == 1
        clockLabel = virtualClock ? " (virtual time)" : ""
    }

    func update(_ p: FlashProgress) {
        if p.phase != current?.phase || p.sector != current?.sector && p.phase == .erasing {
            endPhase(at: p.elapsed)
            phaseStart = p
        }
        current = p
        guard interactive, p.elapsed - lastDraw >= .milliseconds(50) || p.done == p.total else { return }
        lastDraw = p.elapsed
        let fraction = p.total > 0 ? Double(p.done) / Double(p.total) : 1
        let width = 30
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        emit(String(format: "\r%@ [%@] %3.0f%% %@%@ ", label(p.phase), bar, fraction * 100, figures(until: p), clockLabel))
    }

    /// Closes the last phase; call once when flashing ends (or fails).
    func finish() { endPhase(at: nil) }

    /// A phase ends when the next begins: that event's time is the phase's end.
    private func endPhase(at end: Duration?) {
        guard let last = current else { return }
        if interactive {
            emit("\n")
        } else if last.phase == .erasing {
            let seconds = ((end ?? last.elapsed) - (phaseStart ?? last).elapsed).seconds
            emit("\(label(last.phase)) sector \(last.sector.map(String.init) ?? "?") in \(String(format: "%.2f", seconds)) s\(clockLabel)\n")
        } else {
            emit("\(label(last.phase)) \(figures(until: last, end: end))\(clockLabel)\n")
        }
        current = nil
    }

    /// "983040/983040 bytes in 5.28 s, 181.9 KB/s" for the bytes done since the phase began.
    private func figures(until p: FlashProgress, end: Duration? = nil) -> String {
        let start = phaseStart ?? p
        let seconds = ((end ?? p.elapsed) - start.elapsed).seconds
        let bytes = p.done - (start.phase == p.phase ? start.done : 0)
        let rate = seconds > 0 ? Double(bytes) / 1024 / seconds : 0
        let sector = p.sector.map { ", sector \($0)" } ?? ""
        return String(format: "%d/%d bytes in %.2f s, %.1f KB/s%@", p.done, p.total, seconds, rate, sector)
    }

    private func label(_ phase: FlashPhase) -> String {
        phase.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
    }

    private func emit(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

/// Writes a line to stderr.
func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
