import Foundation
import Testing
@testable import Bench

@Suite("hild's config file")
struct ConfigurationTests {
    static let example = BenchFixture.root.appendingPathComponent("packaging/hild.example.json").path

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hild-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the example in packaging/ loads with every field")
    func example() throws {
        let c = try BenchConfiguration.load(path: Self.example)
        #expect(c.tcp == "0.0.0.0:7480")
        #expect(c.qemuBoards == 1)
        #expect(c.tags["qemu-1"] == ["emulated"])
        #expect(c.healthCheck?.minTop1 == 0.5)
        #expect(c.maxAttempts == 3)
        #expect(c.usbipProbes == ["usbip://bench-pi.lab:3240/1-1.2"])
        #expect(c.usbipRetrySeconds == 10)
    }

    @Test("a malformed or repeated remote probe and a bad retry interval are refused by name")
    func usbipRefusals() throws {
        let noBusID = try refusal("{\"usbip_probes\": [\"usbip://lab1:3240\"]}")
        #expect(noBusID.contains("usbip_probes") && noBusID.contains("usbip://lab1:3240") && noBusID.contains("BUSID"), "\(noBusID)")
        let twice = try refusal("{\"usbip_probes\": [\"usbip://lab1/1-1\", \"usbip://lab1:3240/1-1\"]}")
        #expect(twice.contains("twice"), "\(twice)")
        #expect(try refusal("{\"usbip_retry_seconds\": 0}").contains("usbip_retry_seconds"))
    }

    @Test("missing fields take their defaults")
    func defaults() throws {
        let c = try BenchConfiguration.load(path: try write("{\"mock_boards\": 4}"))
        #expect(c.mockBoards == 4)
        #expect(c.udev == true)
        #expect(c.maxAttempts == 3)
        #expect(c.artifactLimitMB == 512)
    }

    /// The refusal's message for a config text.
    func refusal(_ text: String) throws -> String {
        let path = try write(text)
        do throws(ConfigurationError) {
            _ = try BenchConfiguration.load(path: path)
            return "(accepted)"
        } catch { return error.description }
    }

    @Test("a misspelt key, a wrong type and TCP without a token are refused by name")
    func refusals() throws {
        #expect(try refusal("{\"mock_board\": 4}").contains("unknown key 'mock_board'"))
        #expect(try refusal("{\"health_check\": {\"model\": \"m\", \"dataset\": \"d\", \"minimum\": 1}}").contains("health_check.minimum"))
        #expect(try refusal("{\"mock_boards\": \"four\"}").contains("'mock_boards'"))
        #expect(try refusal("{\"tcp\": \"0.0.0.0:7480\"}").contains("token_file"))
        #expect(try refusal("{\"tcp\": \"nonsense\", \"token_file\": \"/x\"}").contains("HOST:PORT"))
        #expect(try refusal("{\"max_attempts\": 0}").contains("max_attempts"))
        #expect(throws: ConfigurationError.self) { try BenchConfiguration.load(path: "/nonexistent/hild.json") }
    }
}
