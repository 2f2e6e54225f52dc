/// Turns Foundation's DecodingError into "field 'selector.board': expected a string": the field as
/// it is spelled in the JSON (snake_case, with [n] for array elements) and what was expected.
enum DecodingErrorMessage {
    static func describe(_ error: DecodingError, what: String) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))': expected \(jsonType(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))': expected \(jsonType(type)), found null"
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "field '\(field)' is missing: \(what) needs it"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                return "the request body is not valid JSON (\(detail)): send \(what) as a JSON object"
            }
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "the request body is not \(what): \(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            // Our types' CodingKeys are string keys; only JSONDecoder's array positions carry an int.
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += (out.isEmpty ? "" : ".") + snakeCase(key.stringValue)
            }
        }
        return out.isEmpty ? "(the body)" : out
    }

    /// The inverse of `.convertFromSnakeCase` for display: "healthCheck" → "health_check",
    /// "maxP50Ms" → "max_p50_ms", "jobID" → "job_id".
    static func snakeCase(_ name: String) -> String {
        let chars = Array(name)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase, i > 0 {
                let previous = chars[i - 1]
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { out += "_" }
            }
            out += c.lowercased()
        }
        return out
    }

    static func jsonType(_ type: Any.Type) -> String {
        let id = ObjectIdentifier(type)
        if id == ObjectIdentifier(String.self) { return "a string" }
        if id == ObjectIdentifier(Bool.self) { return "true or false" }
        if [Double.self, Float.self].map(ObjectIdentifier.init).contains(id) { return "a number" }
        if [Int.self, Int64.self, Int32.self].map(ObjectIdentifier.init).contains(id) { return "an integer" }
        // JSONDecoder reports arrays as [Any] and objects as [String: Any].
        let name = "\(type)"
        if name.hasPrefix("Array<") || (name.hasPrefix("[") && !name.contains(":")) { return "an array" }
        return "an object"
    }
}
