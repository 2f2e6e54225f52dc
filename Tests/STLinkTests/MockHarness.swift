import Foundation
import MockBoard
@testable import STLink

/// Sits between the driver and the mock probe and keeps every command block, so tests can check
/// the sequence and sizes of what the driver sent.
final class RecordingTransport: USBTransport {
    let inner: any USBTransport
    private(set) var blocks: [[UInt8]] = []
    private var expectingData = false

    init(_ inner: any USBTransport) { self.inner = inner }
    var identity: ProbeIdentity { inner.identity }
    var clock: any HostClock { inner.clock }

    func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError) {
        if expectingData { expectingData = false } else {
            blocks.append(data)
            // WRITEMEM commands are followed by their data phase, which is not a command.
            expectingData = data.count == 16 && data[0] == 0xF2 && [0x08, 0x0D, 0x48].contains(data[1])
        }
        try inner.bulkOut(data, timeout: timeout)
    }
    func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        try inner.bulkIn(maxLength: maxLength, timeout: timeout)
    }
    func reset() throws(TransportError) { try inner.reset() }

    /// Memory transfers as (opcode, address, length).
    var memoryTransfers: [(op: UInt8, address: UInt32, length: Int)] {
        blocks.filter { $0[0] == 0xF2 && [0x07, 0x08, 0x0C, 0x0D, 0x47, 0x48].contains($0[1]) }
            .map { ($0[1], readLE32($0, 2), Int(readLE16($0, 6))) }
    }
}

/// A mock board with an opened probe and an identified target.
struct Bench {
    let board: MockBoard
    let recorder: RecordingTransport
    let probe: STLinkProbe
    let target: IdentifiedTarget

    init(probe config: EmulatedProbeConfig = .v2_1(), faults: FaultPlan = .none, chip: String = "stm32f74x") throws {
        board = MockBoard(chip: try Repo.chip(chip), probe: config, faults: faults)
        recorder = RecordingTransport(board.probe)
        probe = STLinkProbe(transport: recorder)
        try probe.open()
        try probe.setSWDFrequency(kHz: 4000)
        target = try TargetIdentifier(boardsDirectory: Repo.boards).identify(probe)
    }

    var flasher: Flasher { Flasher(probe: probe, target: target) }

    func flashContents(_ address: UInt32, _ count: Int) -> [UInt8] {
        board.target.flashBytes(at: address, count: count)
    }
}

/// Deterministic pseudo-random bytes (a linear congruential generator), so failures reproduce.
func patternBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}
