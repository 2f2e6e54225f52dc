import ArgumentParser
import Foundation
import Deployer
import STLink

/// `hilctl pack`: a model placed into a board's harness firmware at the model region.
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack", abstract: "Place a model into a board's harness firmware image (docs/firmware-layout.md).")

    @Option(help: ArgumentHelp("The board (boards/<name>.json).", valueName: "BOARD")) var board = "stm32f746g-disco"
    @Option(help: ArgumentHelp("The exported int8 model (.hilm).", valueName: "MODEL")) var model: String
    @Option(help: ArgumentHelp("The harness firmware (default: out/firmware/<board>/harness.elf, built by `make -C boards/firmware`).", valueName: "IMAGE"))
    var harness: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the packed image: .hex or .bin.", valueName: "IMAGE"))
    var output: String
    @OptionGroup var probe: ProbeOptions

    func run() throws {
        let catalog = try probe.catalog()
        let target = try catalog.board(named: board)
        let harnessPath = harness ?? HarnessFirmware.defaultPath(target: target.name, catalog: catalog)
        do {
            let modelFile = try ModelFile.load(path: model)
            try FirmwarePacker.check(model: modelFile, fits: target.harnessTarget)
            // As `hilctl run` does: the board's own harness build, made on the spot when missing.
            let harnessImage: FirmwareImage
            do {
                harnessImage = try HarnessFirmware.image(target: target.name, given: harness, catalog: catalog,
                                                         base: target.firmware.harnessRegion.base.value, note: note)
            } catch {
                if case let .pack(packError) = error { throw packError }
                throw PackError.harnessUnreadable(path: harnessPath, reason: error.description)
            }
            let packed = try FirmwarePacker.pack(model: modelFile, harness: harnessImage, board: target)
            try ImageWriter.write(packed, to: output)
            let s = modelFile.summary
            print("\(output): harness \(harnessPath) + model \(s.name) (\(modelFile.blob.count) bytes of \(target.firmware.modelRegion.size) in the model region at 0x\(hex32(target.firmware.modelRegion.base.value)); arena \(s.arenaBytes) of \(target.harness.arenaBytes) bytes)")
        } catch let error as PackError {
            note("error: \(error)")
            throw ExitCode(ExitStatus.refused)
        } catch let error as ModelError {
            note("error: \(error)")
            throw ExitCode(ExitStatus.refused)
        } catch let error as ImageError {
            note("error: \(error)")
            throw ExitCode(ExitStatus.refused)
        }
    }
}
