// Firmware benchmark: prints figures; it is not a test.
//
//   swift run -c release firmware-benchmark
//
// 1. The example model per layer: MACs and parameters, and the mock board's estimated cycles.
// 2. The example model on the QEMU board: emulated time per inference (SysTick at 25 MHz under
//    -icount shift=0, where one instruction is one virtual nanosecond), as instructions and
//    instructions per MAC; the harness firmware's own machine code, built by `make -C boards/firmware`.
// 3. The F746 harness image's flash and RAM use by section (arm-none-eabi-size -A).
import CHilRuntime
import Foundation
import Deployer
import MockBoard
import QEMUBoard
import GDBRemote

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let catalog = try BoardCatalog(directory: root.appendingPathComponent("boards"))
let modelPath = root.appendingPathComponent("examples/shapes/shapes.hilm").path
let model = try ModelFile.load(path: modelPath)

func run(_ arguments: [String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self))
}

// 1. Per layer.
print("== \(model.summary.name): per layer (mock board estimates from CortexM7CostModel)")
print("layer | op | output | MACs | params | estimated cycles | estimated cycles/MAC")
model.blob.withUnsafeBufferPointer { buffer in
    var m = hil_model()
    _ = hil_model_load(&m, buffer.baseAddress, UInt32(buffer.count))
    let cost = CortexM7CostModel()
    var total = 0.0
    for i in 0..<m.layer_count {
        var l = hil_layer_info()
        _ = hil_model_layer_info(&m, i, &l)
        let c = cost.cycles(of: l)
        total += c
        let perMAC = l.macs > 0 ? String(format: "%.2f", c / Double(l.macs)) : "—"
        print("\(i) | \(String(cString: hil_op_name(l.op))) | \(l.out_h)×\(l.out_w)×\(l.out_c) | \(l.macs) | \(l.params) | \(Int(c)) | \(perMAC)")
    }
    print(String(format: "total | | | %llu | %llu | %.0f (+%.0f per inference) | %.2f", m.macs, m.params, total, cost.cyclesPerInference,
                 (total + cost.cyclesPerInference) / Double(m.macs)))
}

// 2. QEMU.
print("")
print("== \(model.summary.name) on the QEMU board (mps2-an500, Cortex-M7, -icount shift=0)")
let (made, makeLog) = try run(["make", "-s", "-C", root.appendingPathComponent("boards/firmware").path, "qemu-mps2-an500", "stm32f746g-disco"])
if made != 0 {
    print("cannot build the harness firmware (install gcc-arm-none-eabi and libnewlib-arm-none-eabi): \(makeLog.suffix(400))")
} else {
    let machine = try QEMUMachineDescription.load(boardsDirectory: catalog.directory, name: "qemu-mps2-an500")
    var request = RunRequest(modelPath: modelPath, datasetPath: root.appendingPathComponent("examples/shapes/holdout").path)
    request.limit = 24
    let harness = try ImageLoader.load(path: root.appendingPathComponent("out/firmware/qemu-mps2-an500/harness.elf").path, binaryBase: 0)
    let runner = EvaluationRunner(catalog: catalog)
    let prepared = try runner.prepare(request, target: machine.harnessTarget, harness: harness)
    let qemu = try QEMUMachine(config: QEMUConfig())
    defer { qemu.terminate() }
    let report = try runner.run(prepared, boardKind: "qemu",
                                deploy: { image throws(RunError) in
                                    do { try qemu.load(image.segments.map { (address: $0.address, bytes: $0.bytes) }, vectorTable: 0) }
                                    catch { throw RunError.board(error) }
                                },
                                openSerial: { try SerialPort(path: qemu.serialPath, baud: $0) })
    let ticks = report.samples.map { Double($0.cycles) }
    let median = ticks.sorted()[ticks.count / 2]
    let instructions = median / Double(machine.coreClockHz) * 1e9     // 1 instruction = 1 ns under -icount shift=0
    print(String(format: "inputs %d, device = host on %d; SysTick ticks per inference: median %.0f (min %.0f, max %.0f) at %d Hz",
                 ticks.count, report.agreement.agree, median, ticks.min()!, ticks.max()!, machine.coreClockHz))
    print(String(format: "emulated time %.3f ms = %.0f instructions; %.2f instructions per MAC (%llu MACs)",
                 median / Double(machine.coreClockHz) * 1000, instructions, instructions / Double(model.summary.macs), model.summary.macs))
    try perLayer(qemu: qemu, clockHz: machine.coreClockHz)
}

/// The last inference's SysTick count at each layer boundary (the QEMU harness's
/// hil_layer_mark), read over GDB from the symbols arm-none-eabi-nm finds.
func perLayer(qemu: QEMUMachine, clockHz: Int) throws {
    let (status, symbols) = try run(["arm-none-eabi-nm", root.appendingPathComponent("out/firmware/qemu-mps2-an500/harness.elf").path])
    func address(_ name: String) -> UInt32? {
        guard status == 0 else { return nil }
        return symbols.split(separator: "\n").first { $0.hasSuffix(" " + name) }.flatMap { UInt32($0.prefix(8), radix: 16) }
    }
    guard let marksAddress = address("fw_layer_marks"), let countAddress = address("fw_layer_mark_count") else {
        print("per layer: the QEMU harness has no fw_layer_marks symbol (rebuild it: make -C boards/firmware)")
        return
    }
    let (marks, count) = try qemu.withGDB { (gdb) throws(GDBError) -> ([UInt64], Int) in
        _ = try gdb.halt()
        let countBytes = try gdb.readMemory(countAddress, count: 4)
        let n = Int(countBytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
        let bytes = try gdb.readMemory(marksAddress, count: 8 * max(0, min(n, 65)))
        let marks = stride(from: 0, to: bytes.count, by: 8).map { o in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) }
        }
        return (marks, n)
    }
    let instructionsPerTick = 1e9 / Double(clockHz)
    print("")
    print("per layer, the last inference (SysTick ticks between hil_layer_mark calls; 1 tick = \(Int(instructionsPerTick)) instructions under -icount shift=0)")
    print("layer | op | MACs | emulated ticks | instructions | instructions/MAC")
    model.blob.withUnsafeBufferPointer { buffer in
        var m = hil_model()
        _ = hil_model_load(&m, buffer.baseAddress, UInt32(buffer.count))
        guard count == Int(m.layer_count) + 1 else {
            print("the harness recorded \(count) marks for \(m.layer_count) layers; run an inference first")
            return
        }
        for i in 0..<Int(m.layer_count) {
            var l = hil_layer_info()
            _ = hil_model_layer_info(&m, UInt16(i), &l)
            let ticks = Double(marks[i + 1] &- marks[i])
            let instructions = ticks * instructionsPerTick
            let perMAC = l.macs > 0 ? String(format: "%.2f", instructions / Double(l.macs)) : "—"
            print(String(format: "%d | %@ | %llu | %.0f | %.0f | %@", i, String(cString: hil_op_name(l.op)), l.macs, ticks, instructions, perMAC))
        }
        let total = Double(marks[Int(m.layer_count)] &- marks[0])
        print(String(format: "total | | %llu | %.0f | %.0f | %.2f", m.macs, total, total * instructionsPerTick,
                     total * instructionsPerTick / Double(m.macs)))
    }
}

// 3. F746 image by section.
print("")
print("== F746 harness image by section (arm-none-eabi-size -A out/firmware/stm32f746g-disco/harness.elf)")
let (sized, sizes) = try run(["arm-none-eabi-size", "-A", root.appendingPathComponent("out/firmware/stm32f746g-disco/harness.elf").path])
print(sized == 0 ? sizes : "arm-none-eabi-size is not available")
