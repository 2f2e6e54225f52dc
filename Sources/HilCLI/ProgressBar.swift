import Foundation
import STLink

/// Flash progress on stderr: a redrawn bar on a terminal, one line per phase otherwise (CI logs).
final class ProgressBar {
    private let interactive: Bool
    private let clockLabel: String
    private var lastPhase: FlashPhase?
    private var lastDraw: Duration = .zero
    private var phaseStart: Duration = .zero
    private var phaseStartBytes = 0

    init(virtualClock: Bool) {
        interactive = isatty(FileHandle.standardError.fileDescriptor) == 1
        clockLabel = virtualClock ? " (mock board, virtual time)" : ""
    }

    func update(_ p: FlashProgress) {
        if p.phase != lastPhase {
            if lastPhase != nil, interactive { FileHandle.standardError.write(Data("\n".utf8)) }
            lastPhase = p.phase
            phaseStart = p.elapsed
            phaseStartBytes = p.done
            if !interactive {
                let sector = p.sector.map { " sector \($0)" } ?? ""
                emit("\(p.phase.rawValue)\(sector)…\n")
            }
        }
        guard interactive, p.elapsed - lastDraw >= .milliseconds(50) || p.done == p.total else { return }
        lastDraw = p.elapsed
        let fraction = p.total > 0 ? Double(p.done) / Double(p.total) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let seconds = (p.elapsed - phaseStart).seconds
        let rate = seconds > 0 ? Double(p.done - phaseStartBytes) / 1024 / seconds : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let phase = p.phase.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
        emit(String(format: "\r%@ [%@] %3.0f%% %7d/%d bytes %7.1f KB/s%@", phase, bar, fraction * 100, p.done, p.total, rate, clockLabel))
    }

    func finish() {
        if interactive, lastPhase != nil { emit("\n") }
    }

    private func emit(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

/// Writes a line to stderr.
func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
