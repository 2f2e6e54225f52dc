import Testing
@testable import Deployer

/// How the report names what ran the harness and its timer: an emulated core's DWT is never
/// "measured", and a mock over USB/IP is named by what its HELLO shows.
@Suite struct BoardCoreTests {
    @Test func anEmulatedCoresDWTIsLabelledEmulatedAndSiliconsMeasured() {
        let emulated = BoardCore.emulatedSTM32("STM32F746NGH6")
        #expect(emulated.timer(.dwtCycleCounter).kind == "emulated")
        #expect(emulated.timer(.dwtCycleCounter).name.contains("1 cycle per instruction"))
        #expect(BoardCore.silicon.timer(.dwtCycleCounter).kind == "measured")
        #expect(BoardCore.silicon.label == nil)
        #expect(BoardCore.hostHarness.timer(.estimated).kind == "estimated")
    }

    @Test func aRemoteMockIsWhatItsHelloShows() {
        let remote = BoardCore.remoteMock(chip: "STM32F746NGH6")
        #expect(remote.resolved(by: .dwtCycleCounter) == .emulatedSTM32("STM32F746NGH6"))
        #expect(remote.resolved(by: .estimated) == .hostHarness)
        #expect(remote.resolved(by: .dwtCycleCounter).timer(.dwtCycleCounter).kind == "emulated")
        #expect(BoardCore.silicon.resolved(by: .dwtCycleCounter) == .silicon)
    }
}
