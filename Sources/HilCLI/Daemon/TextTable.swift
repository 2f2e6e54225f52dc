import Foundation
import HilAPI

/// Columns padded to their widest cell, for listings on a terminal.
struct TextTable {
    let headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

/// How figures and times read in hilctl's text output.
enum Show {
    static func percent(_ fraction: Double?) -> String {
        fraction.map { String(format: "%.1f %%", $0 * 100) } ?? "-"
    }
    static func ms(_ value: Double?) -> String { value.map { String(format: "%.3f ms", $0) } ?? "-" }

    /// Local time, as a user reads a wall clock.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return format(date, "yyyy-MM-dd HH:mm:ss")
    }

    static func clock(_ date: Date) -> String { format(date, "HH:mm:ss.SSS") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    static func seconds(from start: Date?, to end: Date?) -> String? {
        guard let start, let end else { return nil }
        return String(format: "%.1f s", end.timeIntervalSince(start))
    }

    static func short(_ id: String?) -> String { id.map { String($0.prefix(12)) } ?? "-" }
}
