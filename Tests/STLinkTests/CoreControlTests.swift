import Testing
import MockBoard
@testable import STLink

/// Halt, run, step, reset and core registers through DHCSR, DEMCR and AIRCR.
@Suite struct CoreControlTests {
    @Test func haltRunAndHaltAgain() throws {
        let bench = try Bench()
        let core = CortexM(probe: bench.probe)
        try core.run()
        #expect(try !core.isHalted())
        try core.halt()
        #expect(try core.isHalted())
    }

    @Test func registersReadBackWhatWasWritten() throws {
        let bench = try Bench()
        let core = CortexM(probe: bench.probe)
        try core.halt()
        try core.writeRegister(0, 0xDEAD_BEEF)
        try core.writeRegister(15, 0x0800_0100)
        #expect(try core.readRegister(0) == 0xDEAD_BEEF)
        #expect(try core.readRegister(15) == 0x0800_0100)
    }

    @Test func resetAndHaltStopsTheCoreAndRelocksFlash() throws {
        let bench = try Bench()
        let core = CortexM(probe: bench.probe)
        try bench.probe.write32(0x4002_3C04, 0x4567_0123)
        try bench.probe.write32(0x4002_3C04, 0xCDEF_89AB)
        #expect(!bench.board.target.isLocked)
        try core.reset(halt: true)
        #expect(try core.isHalted())
        #expect(bench.board.target.isLocked)
    }

    @Test func resetToRunLeavesAHaltedCoreRunning() throws {
        let bench = try Bench()
        let core = CortexM(probe: bench.probe)
        try core.halt()
        try core.reset(halt: false)
        #expect(try !core.isHalted())
        #expect(bench.board.target.coreState == .running)
        try core.halt()
        try core.pinReset(halt: false)
        #expect(bench.board.target.coreState == .running)
    }

    @Test func pinResetAndHaltStopsTheCoreAndRelocksFlash() throws {
        let bench = try Bench()
        let core = CortexM(probe: bench.probe)
        try bench.probe.write32(0x4002_3C04, 0x4567_0123)
        try bench.probe.write32(0x4002_3C04, 0xCDEF_89AB)
        try core.run()
        try core.pinReset(halt: true)
        #expect(try core.isHalted())
        #expect(bench.board.target.isLocked)
        #expect(bench.recorder.blocks.contains { $0[0] == 0xF2 && $0[1] == 0x3C && $0[2] == 2 })
    }

    @Test func theDebugPortIDIsReadWhenTheSessionOpens() throws {
        let bench = try Bench()
        #expect(bench.probe.debugPortID == 0x5BA0_2477)
    }

    @Test func connectUnderResetHaltsTheCore() throws {
        let bench = try Bench()
        let core = CortexM(probe: bench.probe)
        try core.run()
        try core.connectUnderReset()
        #expect(try core.isHalted())
    }

    @Test func cpuidIsACortexM7() throws {
        let bench = try Bench()
        let id = try CortexM(probe: bench.probe).cpuid()
        #expect(id.implementer == 0x41 && id.part == 0xC27)
    }

    @Test func readingUnmappedMemoryIsAFaultWithTheAddress() throws {
        let bench = try Bench()
        do {
            _ = try bench.probe.read(0x6000_0000, count: 16, width: .word)
            Issue.record("read of unmapped memory succeeded")
        } catch {
            guard case let .memoryFault(address, _, _) = error else { Issue.record("expected a fault, got \(error)"); return }
            #expect(address == 0x6000_0000)
        }
    }

    @Test func ramWritesAndReadsOfEveryWidth() throws {
        let bench = try Bench()
        let data = patternBytes(10_000)
        try bench.probe.write(0x2000_0000, data, width: .word)
        #expect(try bench.probe.read(0x2000_0000, count: 10_000, width: .word) == data)
        try bench.probe.write(0x2000_0001, [1, 2, 3], width: .byte)
        #expect(try bench.probe.read(0x2000_0000, count: 5) == [data[0], 1, 2, 3, data[4]])
        #expect(try bench.probe.read(0x2000_0001, count: 3, width: .byte) == [1, 2, 3])
        try bench.probe.write(0x2000_0010, [0xAA, 0xBB], width: .halfword)
        #expect(try bench.probe.read(0x2000_0010, count: 2, width: .halfword) == [0xAA, 0xBB])
        #expect(try bench.probe.read(0x2000_0002, count: 1, width: .byte) == [2])
    }
}
