import Foundation
import HilAPI
import HildHTTP
import Testing

/// docs/api/openapi.yaml against the code: the routes registered and the JSON the types produce.
@Suite struct OpenAPITests {
    let yaml: [String]

    init() throws {
        yaml = try String(contentsOf: docsURL, encoding: .utf8).components(separatedBy: "\n")
    }

    /// The lines of a top-level (or `components:`-level) section, up to the next key as indented.
    func section(_ header: String, indent: Int) -> ArraySlice<String> {
        guard let start = yaml.firstIndex(of: String(repeating: " ", count: indent) + header) else { return [] }
        let end = yaml[(start + 1)...].firstIndex { line in
            let lead = line.prefix { $0 == " " }.count
            return !line.trimmingCharacters(in: .whitespaces).isEmpty && lead <= indent
        } ?? yaml.endIndex
        return yaml[(start + 1)..<end]
    }

    func key(_ line: String, indent: Int) -> String? {
        let lead = line.prefix { $0 == " " }.count
        guard lead == indent, line.hasSuffix(":") else { return nil }
        return String(line.dropFirst(indent).dropLast())
    }

    @Test func documentedRoutesAreTheRegisteredRoutes() {
        var documented: Set<APIRoute> = []
        var path: String?
        for line in section("paths:", indent: 0) {
            if let p = key(line, indent: 2) { path = p }
            if let method = key(line, indent: 4), let path,
               ["get", "put", "post", "delete", "patch", "head", "options"].contains(method) {
                documented.insert(APIRoute(method: method.uppercased(), path: path))
            }
        }
        #expect(documented.count > 10)
        let registered = Set(APIRoutes.all)
        #expect(registered.count == APIRoutes.all.count, "a route is registered twice")
        #expect(documented.subtracting(registered).isEmpty, "documented but not served")
        #expect(registered.subtracting(documented).isEmpty, "served but not documented")
    }

    @Test func embeddedDocumentIsValidLooking() {
        #expect(yaml.first == "openapi: 3.1.0")
        #expect(yaml.contains("    bearer:"))
    }

    /// Property names and required lists of each schema.
    func schemas() -> [String: (properties: Set<String>, required: Set<String>)] {
        var out: [String: (properties: Set<String>, required: Set<String>)] = [:]
        var name: String?
        var inProperties = false
        for line in section("schemas:", indent: 2) {
            if let n = key(line, indent: 4) { name = n; out[n] = ([], []); inProperties = false; continue }
            guard let name else { continue }
            if line.hasPrefix("      required: [") {
                let list = line.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }
                out[name]?.required = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
            if line.hasPrefix("      ") && !line.hasPrefix("       ") { inProperties = line == "      properties:" }
            if inProperties, let property = key(line, indent: 8) { out[name]?.properties.insert(property) }
        }
        return out
    }

    /// The top-level keys a value encodes to with APIJSON.
    func keys(_ value: some Encodable) throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: APIJSON.encoder().encode(value)) as? [String: Any]
        return Set(object?.keys.map { $0 } ?? [])
    }

    @Test func schemasMatchTheEncodedTypes() throws {
        let date = Date(timeIntervalSince1970: 0)
        let progress = JobProgress(phase: "streaming", done: 1, total: 2, accuracy: 0.5)
        let summary = JobSummary(samples: 2, top1: 1, agreement: 1, p50Ms: 1, p99Ms: 2, timerKind: "dwt")
        let check = ThresholdCheck(name: "min_top1", limit: 0.9, actual: 1, passed: true)
        let selector = BoardSelector(boardType: "t", tag: "x", board: "b", kind: .usb, host: "h")
        let options = JobOptions(limit: 1, baud: 921600, warmup: 1, repeats: 2, pixels: "raw", profile: 5)
        let thresholds = Thresholds(minTop1: 0.9, maxP50Ms: 1, maxP99Ms: 2, minAgreement: 1)
        let spec = JobSpec(name: "n", model: sha("m"), firmware: sha("f"), dataset: sha("d"), labels: sha("l"),
                           selector: selector, options: options, thresholds: thresholds, priority: 1, healthCheck: true)
        let samples: [String: any Encodable] = [
            "HealthStatus": HealthStatus(version: "1", boards: 1, queued: 0, running: 0),
            "BoardInfo": BoardInfo(id: "a", kind: .mock, boardType: "t", tags: ["x"], state: .offline, reason: "r",
                                   probeSerial: "s", probeModel: "V2-1", serialPort: "/dev/pts/1", currentJob: 1,
                                   consecutiveInfraFailures: 1, jobsRun: 2, lastSeen: date, host: "h"),
            "BoardSelector": selector,
            "ArtifactInfo": ArtifactInfo(id: sha("a"), kind: .labels, size: 3, createdAt: date),
            "JobOptions": options,
            "Thresholds": thresholds,
            "JobSpec": spec,
            "JobProgress": progress,
            "ThresholdCheck": check,
            "JobSummary": summary,
            "JobRecord": JobRecord(id: 1, spec: spec, state: .failed, reason: "r", failureKind: "thresholds", attempts: 1,
                                   board: "b", failedBoards: ["c"], submittedAt: date, startedAt: date, finishedAt: date,
                                   progress: progress, summary: summary, checks: [check], host: "h"),
            "JobEvent": JobEvent(seq: 1, jobID: 1, time: date, kind: "finished", message: "m", board: "b",
                                 progress: progress, state: .passed),
            "ErrorBody": APIErrorBody(.notFound("x")),
        ]
        let documented = schemas()
        for (name, sample) in samples {
            guard let schema = documented[name] else {
                Issue.record("components/schemas has no \(name)")
                continue
            }
            let encoded = try keys(sample)
            #expect(encoded == schema.properties, "\(name): JSON keys vs documented properties")
            #expect(schema.required.isSubset(of: encoded), "\(name): required but not sent")
        }
        // The enums list exactly the cases.
        let text = yaml.joined(separator: "\n")
        for (name, cases) in [("BoardKind", BoardKind.allCases.map(\.rawValue)), ("BoardState", BoardState.allCases.map(\.rawValue)),
                              ("ArtifactKind", ArtifactKind.allCases.map(\.rawValue)), ("JobState", JobState.allCases.map(\.rawValue))] {
            #expect(text.contains("    \(name):\n      type: string\n      enum: [\(cases.joined(separator: ", "))]"), "\(name)")
        }
    }
}
