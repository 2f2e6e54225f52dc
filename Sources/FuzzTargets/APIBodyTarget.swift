import Foundation
import HilAPI

/// A job submitted to the API: the JSON body through the decoder the server uses. Whatever
/// decodes must encode to JSON that decodes to the same job (what the store keeps and hilctl
/// shows is what was asked for).
enum APIBodyTarget {
    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        let body = Data(data)
        var accepted = false
        if let spec = try? APIJSON.decoder().decode(JobSpec.self, from: body) {
            accepted = true
            guard let encoded = try? APIJSON.encoder().encode(spec) else {
                FuzzCheck.require(false, "a decoded JobSpec does not encode")
                return .accepted
            }
            let back = try? APIJSON.decoder().decode(JobSpec.self, from: encoded)
            FuzzCheck.require(back == spec || hasNaN(spec), "JobSpec JSON round trip changed the job")
        }
        if let selector = try? APIJSON.decoder().decode(BoardSelector.self, from: body) {
            accepted = true
            let encoded = try? APIJSON.encoder().encode(selector)
            FuzzCheck.require(encoded.flatMap { try? APIJSON.decoder().decode(BoardSelector.self, from: $0) } == selector, "selector round trip")
        }
        return accepted ? .accepted : .rejected
    }

    /// JSON has no NaN; a decoder that let one through would fail the comparison, not the bench.
    private static func hasNaN(_ spec: JobSpec) -> Bool {
        let t = spec.thresholds
        return [t.minTop1, t.minAgreement, t.maxP50Ms, t.maxP99Ms].contains { $0?.isNaN == true }
    }
}
