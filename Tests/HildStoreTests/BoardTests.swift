import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct BoardTests {
    @Test func theLatestStateOfABoardIsKeptAcrossRestarts() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        var disco = BoardInfo(id: "066CFF535150", kind: .usb, boardType: "stm32f746g-disco", tags: ["lab-2", "f7"],
                              probeSerial: "066CFF535150", probeModel: "STLINK-V2-1", serialPort: "/dev/ttyACM0",
                              lastSeen: oddDate)
        let qemu = BoardInfo(id: "qemu-1", kind: .qemu, boardType: "qemu-mps2-an500", state: .busy, currentJob: 4)
        do {
            let store = try scratch.open()
            try store.recordBoard(disco)
            try store.recordBoard(qemu)
            disco.state = .quarantined
            disco.reason = "3 infrastructure failures in a row (flash verify failed at 0x08004000)"
            disco.consecutiveInfraFailures = 3
            disco.jobsRun = 17
            disco.serialPort = nil
            disco.lastSeen = oddDate.addingTimeInterval(60.000_5)
            try store.recordBoard(disco)
            #expect(try store.boardsSeen() == [disco, qemu])
        }
        // A quarantine survives a restart of hild.
        let store = try scratch.open()
        #expect(try store.boardsSeen() == [disco, qemu])
    }
}
