import Foundation

/// An explicit mapping from dataset class names (folder names, the <class> of <class>_test.jpg,
/// string labels in y.npy) to model labels, for datasets whose names differ from the model's.
///
/// A file holds either a JSON object `{"dataset class name": "model label", ...}` (when its first
/// non-blank character is `{`) or lines of `name=label`: split at the first `=`, blanks around
/// both sides trimmed, empty lines and lines starting with `#` ignored. A name given twice is an
/// error, in either form, because one of the two would silently lose. Whether each right side is
/// a model label is checked by `Dataset.load`, which knows the model.
public struct LabelMap: Sendable, Equatable {
    /// Where the map came from, for messages.
    public let path: String
    /// Dataset class name -> model label.
    public let entries: [String: String]

    public init(_ entries: [String: String], path: String = "the label map") {
        self.entries = entries
        self.path = path
    }

    public static func load(path: String) throws(DatasetError) -> LabelMap {
        guard DatasetFiles.kind(of: path) == .file else {
            throw DatasetError(path, DatasetFiles.kind(of: path) == .missing ? .notFound : .unreadable("it is a directory"))
        }
        return try parse([UInt8](DatasetFiles.read(path)), path: path)
    }

    static func parse(_ bytes: [UInt8], path: String) throws(DatasetError) -> LabelMap {
        var bytes = bytes[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }  // a BOM from a Windows editor
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DatasetError(path, .labelMapSyntax(line: 1, "it is not UTF-8 text"))
        }
        let pairs: [(name: String, label: String, line: Int)]
        if text.first(where: { !$0.isWhitespace }) == "{" {
            var parser = JSONObjectParser(Array(text.unicodeScalars))
            do { pairs = try parser.parse() } catch let failure {
                throw DatasetError(path, .labelMapSyntax(line: failure.line, failure.why))
            }
        } else {
            pairs = try lines(text, path: path)
        }
        var entries: [String: String] = [:]
        var firstLines: [String: Int] = [:]
        for pair in pairs {
            if let first = firstLines[pair.name] {
                throw DatasetError(path, .labelMapDuplicate(name: pair.name, line: pair.line, firstLine: first))
            }
            firstLines[pair.name] = pair.line
            entries[pair.name] = pair.label
        }
        guard !entries.isEmpty else { throw DatasetError(path, .labelMapEmpty) }
        return LabelMap(entries, path: path)
    }

    private static func lines(_ text: String, path: String) throws(DatasetError) -> [(name: String, label: String, line: Int)] {
        var pairs: [(name: String, label: String, line: Int)] = []
        // "\r\n" is one Character in Swift, so a split on "\n" alone would miss Windows line ends.
        let rawLines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, raw) in rawLines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw DatasetError(path, .labelMapSyntax(line: index + 1, "\"\(line)\" has no '='"))
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let label = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !label.isEmpty else {
                throw DatasetError(path, .labelMapSyntax(line: index + 1, "\"\(line)\" has an empty side"))
            }
            pairs.append((name, label, index + 1))
        }
        return pairs
    }
}

/// Just enough JSON for a label map: one object whose values are strings, with line numbers for
/// messages and every key kept (Foundation's parsers drop duplicate keys without a word).
private struct JSONObjectParser {
    struct Failure: Error { let line: Int; let why: String }

    private let text: [Unicode.Scalar]
    private var at = 0
    private var line = 1

    init(_ text: [Unicode.Scalar]) { self.text = text }

    mutating func parse() throws(Failure) -> [(name: String, label: String, line: Int)] {
        var pairs: [(name: String, label: String, line: Int)] = []
        try expect("{")
        skipBlanks()
        if peek == "}" {
            at += 1
        } else {
            while true {
                skipBlanks()
                let keyLine = line
                let key = try string(what: "a quoted dataset class name")
                try expect(":")
                skipBlanks()
                guard peek == "\"" else { throw fail("the value of \"\(key)\" must be a model label in quotes") }
                let value = try string(what: "a quoted model label")
                guard !key.isEmpty, !value.isEmpty else { throw Failure(line: keyLine, why: "an empty name or label") }
                pairs.append((key, value, keyLine))
                skipBlanks()
                guard let next = peek else { throw fail("the object is not closed with '}'") }
                at += 1
                if next == "}" { break }
                guard next == "," else { throw Failure(line: line, why: "expected ',' or '}' but found '\(next)'") }
            }
        }
        skipBlanks()
        if let extra = peek { throw fail("unexpected '\(extra)' after the object") }
        return pairs
    }

    private var peek: Unicode.Scalar? { at < text.count ? text[at] : nil }

    private func fail(_ why: String) -> Failure { Failure(line: line, why: why) }

    private mutating func skipBlanks() {
        while let c = peek, c == " " || c == "\t" || c == "\r" || c == "\n" {
            if c == "\n" { line += 1 }
            at += 1
        }
    }

    private mutating func expect(_ c: Unicode.Scalar) throws(Failure) {
        skipBlanks()
        guard peek == c else {
            throw fail(peek.map { "expected '\(c)' but found '\($0)'" } ?? "expected '\(c)' but the file ends")
        }
        at += 1
    }

    private mutating func string(what: String) throws(Failure) -> String {
        guard peek == "\"" else { throw fail("expected \(what)") }
        at += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw fail("a string is not closed") }
            at += 1
            if c == "\"" { return String(out) }
            if c == "\n" { throw fail("a string runs past the end of the line") }
            guard c == "\\" else { out.append(c); continue }
            guard let e = peek else { throw fail("a string is not closed") }
            at += 1
            switch e {
            case "\"", "\\", "/": out.append(e)
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{8}")
            case "f": out.append("\u{C}")
            case "u":
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), peek == "\\", at + 1 < text.count, text[at + 1] == "u" {
                    at += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("a broken \\u surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw fail("a broken \\u escape") }
                out.append(scalar)
            default: throw fail("unknown escape '\\\(e)'")
            }
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard at + 4 <= text.count else { throw fail("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for c in text[at..<at + 4] {
            guard let digit = Int(String(c), radix: 16) else { throw fail("a \\u escape needs four hex digits") }
            value = value << 4 | UInt32(digit)
        }
        at += 4
        return value
    }
}
