/// The Python literals an .npy header is written in: numpy writes it with repr() of a dict, so it
/// can hold strings, integers (with Python 2's "L" suffix in old files), True/False/None, tuples,
/// and lists (a structured dtype's descr). Nothing is evaluated; anything else is an error.
enum PythonLiteral: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([String: PythonLiteral])
}

struct PythonLiteralParser {
    struct Failure: Error { let why: String }

    private let text: [Unicode.Scalar]
    private var at = 0
    /// Nesting bound: a corrupt header of a million '(' must not overflow the stack.
    private var depth = 0

    init(_ text: String) { self.text = Array(text.unicodeScalars) }

    /// One literal and nothing after it but blanks (numpy pads headers with spaces and a newline).
    mutating func parseWhole() throws(Failure) -> PythonLiteral {
        let value = try parseValue()
        skipBlanks()
        guard at == text.count else { throw Failure(why: "unexpected '\(text[at])' after the header dict") }
        return value
    }

    private var peek: Unicode.Scalar? { at < text.count ? text[at] : nil }

    private mutating func skipBlanks() {
        while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { at += 1 }
    }

    private mutating func parseValue() throws(Failure) -> PythonLiteral {
        skipBlanks()
        guard let c = peek else { throw Failure(why: "the header ends early") }
        switch c {
        case "{", "(", "[":
            depth += 1
            defer { depth -= 1 }
            guard depth < 32 else { throw Failure(why: "the header nests too deeply") }
            at += 1
            return try parseContainer(opening: c)
        case "'", "\"": return .string(try parseString())
        case "-", "0"..."9": return .int(try parseInt())
        default:
            for (word, value) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
            where text[at...].starts(with: word.unicodeScalars) {
                at += word.unicodeScalars.count
                return value
            }
            throw Failure(why: "unexpected '\(c)'")
        }
    }

    /// Items separated by commas, a trailing comma allowed; in a dict, each item is key: value.
    private mutating func parseContainer(opening: Unicode.Scalar) throws(Failure) -> PythonLiteral {
        let closing: Unicode.Scalar = opening == "{" ? "}" : opening == "(" ? ")" : "]"
        var items: [PythonLiteral] = []
        var dict: [String: PythonLiteral] = [:]
        while true {
            skipBlanks()
            if peek == closing { at += 1; break }
            if opening == "{" {
                guard case .string(let key) = try parseValue() else { throw Failure(why: "a dict key is not a string") }
                skipBlanks()
                guard peek == ":" else { throw Failure(why: "expected ':' after '\(key)'") }
                at += 1
                dict[key] = try parseValue()
            } else {
                items.append(try parseValue())
            }
            skipBlanks()
            if peek == "," { at += 1; continue }
            guard peek == closing else { throw Failure(why: "expected ',' or '\(closing)'") }
            at += 1
            break
        }
        switch opening {
        case "{": return .dict(dict)
        case "(": return .tuple(items)
        default: return .list(items)
        }
    }

    private mutating func parseString() throws(Failure) -> String {
        let quote = text[at]
        at += 1
        var out = String.UnicodeScalarView()
        while let c = peek {
            at += 1
            if c == quote { return String(out) }
            if c == "\\" {
                guard let e = peek else { break }
                at += 1
                out.append(e)  // dtype strings hold no escapes worth decoding; keep the character
            } else {
                out.append(c)
            }
        }
        throw Failure(why: "a string is not closed")
    }

    private mutating func parseInt() throws(Failure) -> Int {
        let start = at
        if peek == "-" { at += 1 }
        while let c = peek, ("0"..."9").contains(c) { at += 1 }
        let digits = String(String.UnicodeScalarView(text[start..<at]))
        if peek == "L" { at += 1 }  // Python 2 long
        guard let value = Int(digits) else { throw Failure(why: "'\(digits)' is not a usable integer") }
        return value
    }
}
