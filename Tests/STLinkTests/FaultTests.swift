import Testing
import MockBoard
@testable import STLink

/// Every injected fault ends in a clear error, never in reported success.
@Suite struct FaultTests {
    let image = [FlashData(address: 0x0800_0000, bytes: patternBytes(40 * 1024, seed: 11))]

    /// Flashes `image` on `bench`; records an issue if that succeeds, else returns the error.
    func failure(on bench: Bench, _ situation: String) -> FlashError? {
        do {
            _ = try bench.flasher.flash(image)
            Issue.record("a flash with \(situation) reported success")
            return nil
        } catch { return error }
    }

    @Test func unplugMidFlashIsADisconnectNamingTheProbe() throws {
        // Count the transfers a whole flash needs, then pull the cable halfway through.
        let reference = try Bench()
        _ = try reference.flasher.flash(image)
        let total = reference.board.statistics.transfersOut + reference.board.statistics.transfersIn

        var faults = FaultPlan.none
        faults.unplugAfterTransfers = total / 2
        let bench = try Bench(faults: faults)
        let error = failure(on: bench, "the probe unplugged")
        guard case .probe(.transport(.disconnected(let serial)))? = error else { Issue.record("expected a disconnect, got \(String(describing: error))"); return }
        #expect(serial == bench.probe.identity.serial)
        #expect(error?.description.contains("unplugged") == true)
    }

    /// The cable pulled at each stage of flashing: the flash fails as a disconnect, and the cells
    /// show the stage it was pulled in (erased but unwritten, partly written, fully written).
    @Test(arguments: FlashStage.allCases)
    func unplugDuringAStageCutsThatStage(_ stage: FlashStage) throws {
        let bench = try Bench(faults: FaultPlan(unplugDuring: stage))
        let error = failure(on: bench, "the probe pulled during \(stage)")
        guard case .probe(.transport(.disconnected))? = error else { Issue.record("expected a disconnect, got \(String(describing: error))"); return }
        let stats = bench.board.statistics
        let programs = stats.programAccesses.values.reduce(0, +)
        let written = bench.flashContents(0x0800_0000, image[0].bytes.count)
        #expect(stats.sectorErases.values.reduce(0, +) + stats.massErases >= 1)
        switch stage {
        case .erase: #expect(programs == 0)
        case .program: #expect(programs > 0 && written != image[0].bytes)
        case .verify: #expect(written == image[0].bytes)
        }
    }

    @Test func aShortWaitStormIsRetriedAndTheFlashSucceeds() throws {
        var faults = FaultPlan.none
        faults.waitStorm = WaitStorm(afterMemoryCommands: 20, count: 4)
        let bench = try Bench(faults: faults)
        _ = try bench.flasher.flash(image)
        #expect(bench.flashContents(0x0800_0000, image[0].bytes.count) == image[0].bytes)
    }

    @Test func anEndlessWaitStormGivesUpWithTargetBusy() throws {
        var faults = FaultPlan.none
        faults.waitStorm = WaitStorm(afterMemoryCommands: 20, count: 100_000)
        let bench = try Bench(faults: faults)
        let error = failure(on: bench, "an endless WAIT storm")
        guard case .probe(.targetBusy)? = error else { Issue.record("expected targetBusy, got \(String(describing: error))"); return }
        #expect(error?.description.contains("WAIT") == true)
    }

    @Test func anAPFaultIsReportedWithItsAddress() throws {
        var faults = FaultPlan.none
        faults.apFault = 0x0800_2000...0x0800_2003
        let bench = try Bench(faults: faults)
        let error = failure(on: bench, "an AP fault")
        #expect(error?.description.contains("08002000") == true, "\(String(describing: error))")
    }

    @Test func aWriteProtectedSectorIsRefusedWithWRPERRAndTheAdvice() throws {
        var faults = FaultPlan.none
        faults.writeProtectedSectors = [1]
        let bench = try Bench(faults: faults)
        let error = failure(on: bench, "a write-protected sector")
        guard case let .controller(operation, status)? = error else { Issue.record("expected a controller error, got \(String(describing: error))"); return }
        #expect(status.rawValue & FlashStatus.writeProtectionError != 0)
        #expect(operation.contains("sector 1"))
        #expect(error?.description.contains("write-protected") == true)
        #expect(bench.board.target.isLocked, "the controller must be relocked after a failure")
    }

    @Test func aSupplyTooLowForAnyParallelismIsRefusedBeforeErasing() throws {
        var faults = FaultPlan.none
        faults.targetVoltage = 1.5
        let bench = try Bench(faults: faults)
        let error = failure(on: bench, "a 1.5 V supply")
        guard case let .supplyTooLow(volts, minimum)? = error else { Issue.record("expected supplyTooLow, got \(String(describing: error))"); return }
        #expect(abs(volts - 1.5) < 0.01 && minimum == 1.7)
        #expect(error?.description.contains("1.50 V") == true)
        #expect(bench.board.statistics.sectorErases.isEmpty)
    }

    @Test func anUnpoweredTargetSaysSo() throws {
        var faults = FaultPlan.none
        faults.targetVoltage = 0.0
        let bench = try Bench(faults: faults)
        let error = failure(on: bench, "an unpowered target")
        guard case .probe(.targetNotPowered)? = error else { Issue.record("expected targetNotPowered, got \(String(describing: error))"); return }
        #expect(error?.description.contains("not powered") == true)
    }

    @Test func aControllerLockedByAWrongKeyIsRecoveredByAResetBeforeErasing() throws {
        let bench = try Bench()
        // Someone wrote a wrong key: the controller stays locked until reset (RM0385).
        _ = try? bench.probe.write32(0x4002_3C04, 0x1234_5678)
        #expect(bench.board.target.isLocked)
        let report = try bench.flasher.flash(image)
        #expect(report.recoveredLockout)
        #expect(bench.flashContents(0x0800_0000, image[0].bytes.count) == image[0].bytes)
    }

    @Test func aControllerLeftUnlockedByACrashedToolIsUsedWithoutNewKeys() throws {
        // Keys written to an unlocked controller are a wrong sequence and lock it until reset (RM0385).
        let bench = try Bench()
        try bench.probe.write32(0x4002_3C04, 0x4567_0123)
        try bench.probe.write32(0x4002_3C04, 0xCDEF_89AB)
        _ = try bench.flasher.flash(image)
        #expect(bench.flashContents(0x0800_0000, image[0].bytes.count) == image[0].bytes)
        #expect(bench.board.target.isLocked, "the controller must be relocked after flashing")
    }

    @Test func lowVoltageWithoutVerifyCannotCatchBadCellsButVerifyDoes() throws {
        // The mock leaves cells unprogrammed at a parallelism the supply cannot carry; a driver that
        // ignored the voltage would only be caught by verify. Ours picks x16, so verify passes.
        var faults = FaultPlan.none
        faults.targetVoltage = 2.5
        let bench = try Bench(faults: faults)
        let report = try bench.flasher.flash(image)
        #expect(report.parallelism == "x16" && report.verified)
    }
}

/// What each probe identity is allowed, and that the driver sends nothing else.
@Suite struct ProbeIdentityTests {
    @Test func v2_1OpensAndReportsItsFirmware() throws {
        let bench = try Bench(probe: .v2_1(jtag: 40))
        #expect(bench.probe.version.hardware == 2 && bench.probe.version.jtag == 40)
        #expect(bench.probe.features.contains(.memory16))
        #expect(bench.probe.swdFrequencyKHz == 4000)
        #expect(bench.board.statistics.rejected.isEmpty)
    }

    @Test func v3UsesItsExtendedVersionAndKHzClock() throws {
        let bench = try Bench(probe: .v3(jtag: 7))
        #expect(bench.probe.version.hardware == 3 && bench.probe.version.jtag == 7)
        #expect(bench.recorder.blocks.contains { $0[0] == 0xFB })
        #expect(!bench.recorder.blocks.contains { $0[0] == 0xF2 && $0[1] == 0x43 })
        #expect(bench.probe.swdFrequencyKHz.map { $0 <= 4000 } == true)
        #expect(bench.board.statistics.rejected.isEmpty)
    }

    @Test func v2NeverGetsV3Commands() throws {
        let bench = try Bench(probe: .v2(jtag: 37))
        #expect(!bench.recorder.blocks.contains { $0[0] == 0xFB })
        #expect(!bench.recorder.blocks.contains { $0[0] == 0xF2 && ($0[1] == 0x61 || $0[1] == 0x62) })
        #expect(bench.board.statistics.rejected.isEmpty)
    }

    @Test func oldV2WithoutClockSettingKeepsItsDefault() throws {
        let bench = try Bench(probe: .v2(jtag: 20))
        #expect(!bench.recorder.blocks.contains { $0[0] == 0xF2 && $0[1] == 0x43 })
        #expect(bench.probe.swdFrequencyKHz == 1800)
        _ = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: patternBytes(4096))])
        #expect(bench.board.statistics.rejected.isEmpty)
    }

    @Test func firmwareBelowJ15IsRefusedWithTheUpgradeAdvice() throws {
        let board = MockBoard(chip: try Repo.chip(), probe: .v2(jtag: 14))
        let probe = STLinkProbe(transport: board.probe)
        do {
            try probe.open()
            Issue.record("J14 firmware was accepted")
        } catch {
            guard case .firmwareTooOld = error else { Issue.record("expected firmwareTooOld, got \(error)"); return }
            #expect(error.description.contains("V2J14"))
            #expect(error.description.contains("upgrade"))
        }
    }

    @Test func sixteenBitAccessOnOldFirmwareIsRefusedBeforeSending() throws {
        let bench = try Bench(probe: .v2(jtag: 25))
        #expect(throws: STLinkError.self) { try bench.probe.read(0x2000_0000, count: 4, width: .halfword) }
        #expect(!bench.recorder.blocks.contains { $0[0] == 0xF2 && $0[1] == 0x47 })
    }

    @Test func probesLeftInDFUOrDebugModeAreBroughtBack() throws {
        for mode: UInt8 in [0, 1, 2] {
            var config = EmulatedProbeConfig.v2_1()
            config.initialMode = mode
            let bench = try Bench(probe: config)
            #expect(bench.target.devID == 0x449, "from mode \(mode)")
            #expect(bench.board.statistics.rejected.isEmpty, "from mode \(mode): \(bench.board.statistics.rejected)")
        }
    }
}
