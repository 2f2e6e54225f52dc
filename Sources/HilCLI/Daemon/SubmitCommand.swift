import ArgumentParser
import Foundation
import HilAPI

/// `hilctl submit`: send a model and a test set to hild as a job; with --wait, follow it to its
/// verdict and exit by it (passed 0, failed 1, cancelled 2, errored 3), for CI.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Submit an evaluation job to hild (uploading the files it names); --wait follows it to its verdict.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: ArgumentHelp("The exported int8 model (.hilm).", valueName: "MODEL")) var model: String
    @Option(help: ArgumentHelp("The test set: an image folder, a flat <class>_test.jpg folder, .npy arrays (a folder or one file); sent as a tar archive.", valueName: "PATH"))
    var dataset: String
    @Option(help: ArgumentHelp("A harness firmware image (ELF/HEX/BIN) to pack the model into (default: the board's own harness build).", valueName: "IMAGE"))
    var firmware: String?
    @Option(help: ArgumentHelp("A file mapping dataset class names to model labels (JSON or name=label lines).", valueName: "FILE")) var labelMap: String?
    /// The option's old name (see LabelMapOption).
    @Option(name: .customLong("labels"), help: .hidden) var oldLabelMap: String?

    @Option(help: ArgumentHelp("Run on a board of this type (boards/<type>.json).", valueName: "TYPE")) var boardType: String?
    @Option(help: ArgumentHelp("Run on a board with this tag.", valueName: "TAG")) var tag: String?
    @Option(help: ArgumentHelp("Run on this board (its id, see `hilctl boards`).", valueName: "ID")) var board: String?
    @Option(help: ArgumentHelp("Run on a board of this kind: mock, usb or qemu.", valueName: "KIND")) var kind: String?
    @Option(name: .customLong("on-host"), help: ArgumentHelp("Run on a board of this hild, on a bench of several hosts (the HOST column of `hilctl boards`).", valueName: "NAME"))
    var onHost: String?

    @Option(help: "Evaluate only the first N samples (classes interleaved).") var limit: Int?
    @Option(help: "Switch the line to this baud rate after hello.") var baud: Int?
    @Option(help: "Inferences run and discarded before measuring.") var warmup = 0
    @Option(name: .customLong("repeat"), help: "Times the test set is streamed (latency pools every pass).") var repeats = 1
    @Option(help: ArgumentHelp("Inputs profiled layer by layer (the first of the set's order; default 5, 0 for none): the report's layer table.", valueName: "N")) var profile: Int?
    @Option(help: ArgumentHelp("How the model reads 8-bit pixels: unit, centered or raw. Default: the range the model records (unit for a model exported before it recorded one); one that contradicts the model is refused.", valueName: "RANGE")) var pixels: String?

    @Option(help: ArgumentHelp("Fail unless top-1 accuracy reaches this fraction (0-1).", valueName: "FRACTION")) var minTop1: Double?
    @Option(help: ArgumentHelp("Fail if the median latency exceeds this many milliseconds.", valueName: "MS")) var maxP50Ms: Double?
    @Option(help: ArgumentHelp("Fail if the 99th-percentile latency exceeds this many milliseconds.", valueName: "MS")) var maxP99Ms: Double?
    @Option(help: ArgumentHelp("Fail unless this fraction of predictions equals the host reference (0-1).", valueName: "FRACTION")) var minAgreement: Double?

    @Option(help: "Higher runs first.") var priority = 0
    @Flag(name: .customLong("health-check"), help: "A health check: may run on the quarantined board named by --board, and passing returns it to service.")
    var healthCheck = false
    @Option(help: "A name for the job, shown in listings and reports.") var name: String?
    @Flag(help: "Follow the job until it finishes and exit by its verdict: passed 0, failed 1, cancelled 2, errored 3.") var wait = false
    @Flag(help: "Print the job record as JSON.") var json = false

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be a positive number of samples") }
        if let baud, baud <= 0 { throw ValidationError("--baud must be a positive rate") }
        if warmup < 0 { throw ValidationError("--warmup cannot be negative") }
        if repeats < 1 { throw ValidationError("--repeat must be at least 1") }
        try LabelMapOption.validate(labelMap, old: oldLabelMap)
        if let profile, !(0...1000).contains(profile) { throw ValidationError("--profile must be between 0 and 1000 inputs") }
        if let pixels, !["unit", "centered", "raw"].contains(pixels) { throw ValidationError("--pixels '\(pixels)' is not one of unit, centered, raw") }
        if healthCheck && board == nil { throw ValidationError("--health-check needs --board ID: a health check is for one board") }
        if let kind, BoardKind(rawValue: kind) == nil { throw ValidationError("--kind '\(kind)' is not one of mock, usb, qemu") }
        for (flag, value) in [("--min-top1", minTop1), ("--min-agreement", minAgreement)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(flag) \(value) is a fraction: give a number from 0 to 1 (e.g. 0.9 for 90 %)") }
        }
        for (flag, value) in [("--max-p50-ms", maxP50Ms), ("--max-p99-ms", maxP99Ms)] {
            if let value, !(value > 0) { throw ValidationError("\(flag) must be a positive number of milliseconds") }
        }
    }

    /// The spec, once the artifacts are on hild.
    func spec(model: ArtifactID, dataset: ArtifactID, firmware: ArtifactID?, labels: ArtifactID?) -> JobSpec {
        JobSpec(name: name, model: model, firmware: firmware, dataset: dataset, labels: labels,
                selector: BoardSelector(boardType: boardType, tag: tag, board: board, kind: kind.flatMap(BoardKind.init(rawValue:)), host: onHost),
                options: JobOptions(limit: limit, baud: baud, warmup: warmup, repeats: repeats, pixels: pixels, profile: profile),
                thresholds: Thresholds(minTop1: minTop1, maxP50Ms: maxP50Ms, maxP99Ms: maxP99Ms, minAgreement: minAgreement),
                priority: priority, healthCheck: healthCheck)
    }

    /// Every named file, read (the dataset archived) before anything is sent: a typo in the last
    /// path must not cost an upload of the first.
    func readInputs() throws(SubmitInputError) -> [LocalArtifact] {
        var inputs = [try LocalArtifact.read(kind: .model, path: model), try LocalArtifact.read(kind: .dataset, path: dataset)]
        if let firmware { inputs.append(try LocalArtifact.read(kind: .firmware, path: firmware)) }
        if let labels = LabelMapOption.path(labelMap, old: oldLabelMap) { inputs.append(try LocalArtifact.read(kind: .labels, path: labels)) }
        return inputs
    }

    func run() throws {
        let client = try daemon.client()
        let inputs: [LocalArtifact]
        do { inputs = try readInputs() } catch { throw commandFailure(error) }
        let command = self
        let record = try withDaemon { () async throws -> JobRecord in
            var ids: [ArtifactKind: ArtifactID] = [:]
            for input in inputs { ids[input.kind] = try await client.ensure(input, note: { note($0) }) }
            let spec = command.spec(model: ids[.model]!, dataset: ids[.dataset]!, firmware: ids[.firmware], labels: ids[.labels])
            return try await client.submit(spec)
        }
        guard wait else {
            if json { return try printJSON(record) }
            note("submitted job \(record.id); follow it with `hilctl logs \(record.id) --follow`")
            return print(record.id)
        }
        note("submitted job \(record.id)")
        let final = try withDaemon { () async throws -> JobRecord in
            let display = JobWatchDisplay()
            try await client.follow(job: record.id, onInterruption: { display.log($0) }) { display.show($0) }
            display.finish()
            return try await client.job(record.id)
        }
        if json { try printJSON(final) } else { print(JobText.verdict(final)) }
        throw ExitCode(JobText.exitCode(final.state))
    }
}
