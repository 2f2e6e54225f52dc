import ArgumentParser
import Foundation
import HilAPI
import Testing
@testable import HilCLI

@Suite struct ClientSubmitTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hil-submit-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("ds/cat"), withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("ds/cat/1.png"))
        try Data([7]).write(to: dir.appendingPathComponent("m.hilm"))
        return dir
    }

    @Test func aMissingLabelsFileIsNamedBeforeAnythingIsSent() throws {
        let dir = try scratch()
        let labels = dir.appendingPathComponent("no-such-labels.json").path
        let command = try SubmitCommand.parse(["--model", dir.appendingPathComponent("m.hilm").path,
                                               "--dataset", dir.appendingPathComponent("ds").path, "--label-map", labels])
        #expect(throws: SubmitInputError.missing(.labels, labels)) { try command.readInputs() }
        #expect("\(SubmitInputError.missing(.labels, labels))".contains(labels))
    }

    @Test func aMissingModelExitsRefusedWithoutContactingHild() throws {
        let dir = try scratch()
        // An address where nothing listens: reaching for it would exit 3, not 1.
        let command = try SubmitCommand.parse(["--host", dir.appendingPathComponent("none.sock").path,
                                               "--model", "/no/such/model.hilm", "--dataset", dir.appendingPathComponent("ds").path])
        #expect(throws: ExitCode(ExitCodes.failed)) { try command.run() }
    }

    @Test func theInputsAreHashedAndTheDatasetArchived() throws {
        let dir = try scratch()
        let command = try SubmitCommand.parse(["--model", dir.appendingPathComponent("m.hilm").path, "--dataset", dir.appendingPathComponent("ds").path])
        let inputs = try command.readInputs()
        #expect(inputs.map(\.kind) == [.model, .dataset])
        // SHA-256 of the single byte 0x07.
        #expect(inputs[0].sha256 == "ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879")
        #expect(inputs[1].bytes.count % 512 == 0)
    }

    @Test(arguments: [["--min-top1", "90"], ["--min-agreement", "-0.1"], ["--max-p50-ms", "0"], ["--pixels", "signed"],
                      ["--kind", "jtag"], ["--repeat", "0"], ["--limit", "-3"], ["--health-check"]])
    func badOptionsAreUsageErrorsNamingTheFlag(_ extra: [String]) {
        #expect {
            try SubmitCommand.parse(["--model", "m", "--dataset", "d"] + extra)
        } throws: { error in
            SubmitCommand.exitCode(for: error) == .validationFailure && SubmitCommand.message(for: error).contains(extra[0])
        }
    }

    @Test func theSpecCarriesSelectorOptionsAndThresholds() throws {
        let command = try SubmitCommand.parse(["--model", "m", "--dataset", "d", "--board-type", "stm32f746g-disco", "--tag", "lab",
                                               "--kind", "mock", "--limit", "50", "--repeat", "3", "--min-top1", "0.9",
                                               "--max-p99-ms", "12.5", "--priority", "5", "--name", "nightly"])
        let spec = command.spec(model: "aa", dataset: "bb", firmware: nil, labels: "cc")
        #expect(spec.selector == BoardSelector(boardType: "stm32f746g-disco", tag: "lab", kind: .mock))
        #expect(spec.options == JobOptions(limit: 50, repeats: 3))
        #expect(spec.thresholds == Thresholds(minTop1: 0.9, maxP99Ms: 12.5))
        #expect(spec.priority == 5 && spec.name == "nightly" && spec.labels == "cc")
        #expect(!spec.healthCheck)
    }

    @Test func aHealthCheckNamesItsBoard() throws {
        let command = try SubmitCommand.parse(["--model", "m", "--dataset", "d", "--health-check", "--board", "MOCK0746F7DISCO01"])
        let spec = command.spec(model: "aa", dataset: "bb", firmware: nil, labels: nil)
        #expect(spec.healthCheck)
        #expect(spec.selector.board == "MOCK0746F7DISCO01")
    }
}
