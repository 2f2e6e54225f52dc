import Foundation
import Testing
import STLink
@testable import MockBoard

/// A debugger's view of the emulated core through the emulated ST-LINK, with our own driver:
/// halt at the reset vector, single steps of one instruction each, registers read through
/// DCRSR/DCRDR, and a halt of the running core where it spins.
@Suite struct EmulatedCoreDebugTests {
    /// Flash: SP 0x20001000, reset 0x08000009; then movs r0,#1; movs r1,#2; adds r2,r0,r1; b .
    static let program: [UInt8] = u32(0x2000_1000) + u32(0x0800_0009) + [0x01, 0x20, 0x02, 0x21, 0x42, 0x18, 0xFE, 0xE7]

    /// A board whose flash holds `flash` (erased when nil), its core running, and our driver on its probe.
    static func attach(flash: [UInt8]?) throws -> (board: MockBoard, probe: STLinkProbe, core: CortexM) {
        let board = MockBoard(chip: Fixture.chip)
        if let flash { board.target.preload(flash: flash, at: 0x0800_0000) }
        _ = try board.attachEmulatedCore()
        let probe = STLinkProbe(transport: board.probe)
        try probe.open()
        return (board, probe, CortexM(probe: probe))
    }

    @Test func stepsOneInstructionAtATimeFromTheResetVector() throws {
        let (board, probe, core) = try Self.attach(flash: Self.program)
        defer { probe.close(); board.detachSerial() }
        try core.reset(halt: true)
        #expect(try core.readRegister(15) == 0x0800_0008)
        #expect(try core.readRegister(13) == 0x2000_1000)
        try core.step()
        #expect(try core.readRegister(15) == 0x0800_000A)
        #expect(try core.readRegister(0) == 1)
        try core.step()
        #expect(try core.readRegister(15) == 0x0800_000C)
        #expect(try core.readRegister(1) == 2)
        #expect(try core.readRegister(2) != 3, "the third instruction has not run yet")
        try core.step()
        #expect(try core.readRegister(15) == 0x0800_000E)
        #expect(try core.readRegister(2) == 3)
        // Running, it reaches the loop and stays there; a halt finds it at the branch.
        try core.run()
        Thread.sleep(forTimeInterval: 0.05)
        try core.halt()
        #expect(try core.readRegister(15) == 0x0800_000E)
        let state = try core.faultState()
        #expect(!state.isFault && state.exception == 0, "\(state)")
    }

    @Test func aLockedUpCoreShowsInDHCSRAndItsFaultState() throws {
        // An erased flash: SP and reset vector 0xFFFFFFFF; stacking the fault fails, the core locks up.
        let (board, probe, core) = try Self.attach(flash: nil)
        defer { probe.close(); board.detachSerial() }
        try core.reset(halt: false)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try probe.read32(CortexM.Register.dhcsr) & (1 << 19) != 0, "S_LOCKUP")
        let state = try core.faultState()
        #expect(state.lockedUp && state.isFault, "\(state)")
        #expect(state.description.contains("locked up"))
    }
}
