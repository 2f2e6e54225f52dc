import Foundation

/// Text from a run (labels, file names, model names, failure reasons) goes into XML, HTML and
/// Markdown written by hand. Labels are whatever the dataset's folders were called, so every
/// renderer passes every string through here rather than trusting it to be plain.
enum ReportEscaping {
    /// For XML and HTML text and attribute values alike (quotes are escaped so the same call is
    /// safe inside `attr="…"`). Characters XML 1.0 forbids outright (most C0 controls) become
    /// U+FFFD: no escape makes them legal, and one stray byte would make a CI system drop the
    /// whole JUnit file.
    static func xml(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// For a Markdown table cell or heading: backslash-escapes the punctuation that would start
    /// emphasis, code, links, raw HTML or a new cell (CommonMark allows a backslash before any
    /// ASCII punctuation), and folds line breaks, which would end the table row.
    static func markdown(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "&", "#", "~", "!":
                out.append("\\")
                out.append(ch)
            case "\n", "\r", "\r\n", "\t": out.append(" ")
            default: out.append(ch)
            }
        }
        return out
    }
}
