import Foundation
import Testing
import MockBoard

/// A debugger's hardware breakpoints on the emulated Cortex-M7 running the real F746 harness: the
/// FPB's comparators, set through the debug port as OpenOCD or gdb would, halt the core before the
/// instruction at their address, whether it starts a translated block or sits inside one.
@Suite(.enabled(if: Toolchain.available, Toolchain.skipMessage), .serialized)
struct EmulatedDebugTests {
    static let dhcsr: UInt32 = 0xE000_EDF0, dcrsr: UInt32 = 0xE000_EDF4, dcrdr: UInt32 = 0xE000_EDF8
    static let dfsr: UInt32 = 0xE000_ED30
    static let fpCtrl: UInt32 = 0xE000_2000, fpComp0: UInt32 = 0xE000_2008
    static let debugKey: UInt32 = 0xA05F_0000

    /// The addresses of `function`'s first instructions, from the disassembly of the harness.
    static func instructions(of function: String, elf: URL) throws -> [UInt32] {
        let (status, text) = runTool(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf.path])
        try #require(status == 0, "objdump failed: \(text.prefix(500))")
        var inside = false, addresses: [UInt32] = []
        for line in text.split(separator: "\n") {
            if line.hasSuffix("<\(function)>:") { inside = true; continue }
            guard inside else { continue }
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let address = UInt32(parts[0].trimmingCharacters(in: .whitespaces), radix: 16) else { break }
            addresses.append(address)
        }
        return addresses
    }

    func read(_ chip: EmulatedSTM32F7, _ address: UInt32) throws -> UInt32 {
        try chip.read(address: address, size: 4).get()
    }

    func pc(_ chip: EmulatedSTM32F7) throws -> UInt32 {
        try chip.write(address: Self.dcrsr, size: 4, value: 15).get()
        return try read(chip, Self.dcrdr)
    }

    func waitHalted(_ chip: EmulatedSTM32F7, _ halted: Bool, within seconds: Double = 10) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try read(chip, Self.dhcsr) & (1 << 17) != 0) == halted { return true }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return false
    }

    @Test func fpbBreakpointsHaltTheRunningFirmwareAtTheirAddress() throws {
        let elf = FirmwareBuild.shared.elf("stm32f746g-disco")
        let bench = try EmulatedBoardTests.Bench(model: nil, elf: elf)
        defer { bench.port.close() }
        let chip = bench.board.target
        // The idle loop runs every millisecond while the harness waits for the host.
        let idle = try Self.instructions(of: "board_idle", elf: elf)
        try #require(idle.count > 4, "board_idle not found in the disassembly")

        // What a debugger reads to count the comparators: FPB version 2, 8 code, 0 literal.
        let ctrl = try read(chip, Self.fpCtrl)
        #expect(ctrl >> 28 == 1 && (ctrl >> 4) & 0xF == 8 && (ctrl >> 8) & 0xF == 0, "FP_CTRL \(String(ctrl, radix: 16))")

        // Without halting debug a comparator does nothing: the firmware keeps running.
        try chip.write(address: Self.fpComp0, size: 4, value: idle[0] | 1).get()
        try chip.write(address: Self.fpCtrl, size: 4, value: 3).get()
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try read(chip, Self.dhcsr) & (1 << 17) == 0)

        // With it, the core halts at the function's first instruction, before running it.
        try chip.write(address: Self.dhcsr, size: 4, value: Self.debugKey | 1).get()
        #expect(try waitHalted(chip, true), "no halt at \(String(idle[0], radix: 16))")
        #expect(try pc(chip) == idle[0])
        #expect(try read(chip, Self.dfsr) & 2 != 0, "DFSR.BKPT")
        try chip.write(address: Self.dfsr, size: 4, value: 0x1F).get()
        #expect(try read(chip, Self.dfsr) == 0, "DFSR bits clear when written as 1")

        // A breakpoint inside a block (the function's fourth instruction): the core stops exactly
        // there, with the three before it run.
        try chip.write(address: Self.fpComp0, size: 4, value: 0).get()
        try chip.write(address: Self.fpComp0 + 4, size: 4, value: idle[3] | 1).get()
        try chip.write(address: Self.dhcsr, size: 4, value: Self.debugKey | 1).get()   // resume
        #expect(try waitHalted(chip, true), "no halt at \(String(idle[3], radix: 16))")
        #expect(try pc(chip) == idle[3])

        // Disabled (FP_CTRL.ENABLE clear, with KEY), the comparators are ignored again.
        try chip.write(address: Self.fpCtrl, size: 4, value: 2).get()
        try chip.write(address: Self.dhcsr, size: 4, value: Self.debugKey | 1).get()
        #expect(try waitHalted(chip, false))
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try read(chip, Self.dhcsr) & (1 << 17) == 0, "still running past disabled breakpoints")
        #expect(bench.board.target.faultsSeen.core.isEmpty, "\(bench.board.target.faultsSeen.core)")
    }
}
