import ArgumentParser
import Foundation
import Deployer
import STLink

/// `hilctl probes`: every ST-LINK attached (or the mock board), its firmware, target supply and chip.
struct ProbesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probes", abstract: "List attached ST-LINK probes and the chips behind them.")

    @OptionGroup var probe: ProbeOptions
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let catalog = try probe.catalog()
        let survey = ProbeSurvey(catalog: catalog)
        var rows: [ProbeRow] = []

        if let remote = try probe.remoteAddress() {
            do {
                rows.append(ProbeRow(survey.inspect(try USBIPProbes.open(remote)), source: "usbip"))
            } catch {
                note("error: \(error)")
                throw ExitCode(ExitStatus.infrastructure)
            }
        } else if probe.mock {
            let board = try catalog.board(named: "stm32f746g-disco")
            let mock = try PersistentMockBoard(chip: catalog.chip(for: board), stateFile: probe.mockFlash)
            rows.append(ProbeRow(survey.inspect(mock.transport), source: "mock"))
        } else {
            let found: [DiscoveredProbe]
            do { found = try LibUSBProbes.list() } catch {
                note("error: \(error)")
                throw ExitCode(ExitStatus.infrastructure)
            }
            for device in found {
                if let problem = device.problem {
                    rows.append(ProbeRow(serial: device.serial, probe: device.model?.name ?? device.label, firmware: nil,
                                         targetVolts: nil, target: nil, problem: problem.description, source: "usb"))
                    continue
                }
                guard let serial = device.serial, probe.serial.map({ $0.caseInsensitiveCompare(serial) == .orderedSame }) ?? true else { continue }
                do {
                    let transport = try LibUSBProbes.open(serial: serial)
                    rows.append(ProbeRow(survey.inspect(transport), source: "usb"))
                } catch {
                    rows.append(ProbeRow(serial: serial, probe: device.label, firmware: nil, targetVolts: nil, target: nil,
                                         problem: error.description, source: "usb"))
                }
            }
        }

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else if rows.isEmpty {
            print("no ST-LINK attached (libusb sees none). Plug in the board's ST-LINK USB connector, or use --mock for a mock board.")
        } else {
            printTable(rows)
        }
        if !rows.isEmpty, rows.allSatisfy({ $0.firmware == nil }) {
            // Every probe found is unusable: that is a failure a script must see.
            throw ExitCode(ExitStatus.infrastructure)
        }
    }

    func printTable(_ rows: [ProbeRow]) {
        let header = ["SERIAL", "PROBE", "FIRMWARE", "VTARGET", "TARGET"]
        let cells = rows.map { r in
            [r.serial ?? "?", r.probe, r.firmware ?? "-", r.targetVolts.map { String(format: "%.2f V", $0) } ?? "-", r.target ?? "-"]
        }
        let widths = header.indices.map { i in max(header[i].count, cells.map { $0[i].count }.max() ?? 0) }
        func line(_ c: [String]) -> String {
            c.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        print(line(header))
        for (row, c) in zip(rows, cells) {
            print(line(c))
            if let problem = row.problem { print("  ! \(problem)") }
        }
    }
}

struct ProbeRow: Codable {
    var serial: String?
    var probe: String
    var firmware: String?
    var targetVolts: Double?
    var target: String?
    var problem: String?
    var source: String

    init(serial: String?, probe: String, firmware: String?, targetVolts: Double?, target: String?, problem: String?, source: String) {
        self.serial = serial; self.probe = probe; self.firmware = firmware; self.targetVolts = targetVolts
        self.target = target; self.problem = problem; self.source = source
    }

    init(_ s: ProbeSummary, source: String) {
        self.init(serial: s.identity?.serial, probe: s.identity?.model.name ?? s.label, firmware: s.firmware,
                  targetVolts: s.targetVoltage, target: s.target, problem: s.problem, source: source)
    }
}
