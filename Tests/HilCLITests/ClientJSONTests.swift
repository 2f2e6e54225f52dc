import Deployer
import Foundation
import HilAPI
import Testing
@testable import HilCLI

/// What hild writes, hilctl reads back: acronyms in property names (jobID, boardRAMBytes) are
/// spelled in their CodingKeys so snake_case survives the round trip.
@Suite struct ClientJSONTests {
    @Test func aJobEventRoundTripsDespiteTheJobIDAcronym() throws {
        let event = JobEvent(seq: 4, jobID: 9, time: Date(timeIntervalSince1970: 5), kind: "progress", message: "m",
                             board: "B1", progress: JobProgress(phase: "streaming", done: 3, total: 10, accuracy: 0.5), state: nil)
        let json = try APIJSON.encoder().encode(event)
        #expect(String(decoding: json, as: UTF8.self).contains("\"job_id\":9"))
        #expect(try APIJSON.decoder().decode(JobEvent.self, from: json) == event)
    }

    @Test func aReportsFootprintRoundTrips() throws {
        let json = #"{"model_bytes":1,"model_region_bytes":2,"arena_bytes":3,"harness_arena_bytes":4,"board_flash_bytes":5,"board_ram_bytes":6}"#
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let footprint = try decoder.decode(EvaluationReport.Footprint.self, from: Data(json.utf8))
        #expect(footprint.boardRAMBytes == 6)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        #expect(String(decoding: try encoder.encode(footprint), as: UTF8.self).contains("\"board_ram_bytes\":6"))
    }
}
