import Foundation
import HilAPI
import Testing
@testable import HilCLI

@Suite struct ClientJSONTests {
    @Test func aJobEventRoundTripsDespiteTheJobIDAcronym() throws {
        let event = JobEvent(seq: 4, jobID: 9, time: Date(timeIntervalSince1970: 5), kind: "progress", message: "m",
                             board: "B1", progress: JobProgress(phase: "streaming", done: 3, total: 10, accuracy: 0.5), state: nil)
        let json = try APIJSON.encoder().encode(event)
        #expect(String(decoding: json, as: UTF8.self).contains("\"job_id\":9"))
        #expect(try ClientJSON.decoder().decode(JobEvent.self, from: json) == event)
    }

    @Test func snakeCaseComesBackAsJSONDecoderWouldHaveIt() {
        #expect(ClientJSON.camelCase("max_p50_ms") == "maxP50Ms")
        #expect(ClientJSON.camelCase("top1") == "top1")
        #expect(ClientJSON.camelCase("_private_key_") == "_privateKey_")
        #expect(ClientJSON.camelCase("board_ram_bytes") == "boardRamBytes")
    }
}
