import Foundation
import Deployer
import USBIP

/// The board's virtual COM port carried over USB/IP: the VCP's bulk endpoints read and write the
/// very pty the mock UART serves, opened here as a host would open /dev/ttyACM0, and a
/// SET_LINE_CODING retunes that pty's termios the way a host's baud change does. So the harness,
/// the line pacing and a rate mismatch behave exactly as for a local mock board.
///
/// A bulk IN is answered only when bytes arrive (a host's read may wait for a long time) and an
/// UNLINK cancels it; a bulk OUT is answered once its bytes are in the pty. Two threads, one per
/// direction, so neither waits on the other or on the connection's reader.
final class VCPBridge: @unchecked Sendable {
    typealias Complete = @Sendable (_ seqnum: UInt32, _ status: Int32, _ data: [UInt8], _ written: Int) -> Void

    private let port: SerialPort
    private let complete: Complete
    private let condition = NSCondition()
    private var reads: [(seqnum: UInt32, length: Int)] = []
    private var writes: [(seqnum: UInt32, data: [UInt8])] = []
    /// Bytes read from the pty that no request has taken yet (its request was unlinked meanwhile).
    private var carry: [UInt8] = []
    private var stopped = false
    private var threads: [Thread] = []

    init(path: String, baud: Int, complete: @escaping Complete) throws(SerialError) {
        port = try SerialPort(path: path, baud: baud)
        self.complete = complete
        let reader = Thread { [self] in readLoop() }, writer = Thread { [self] in writeLoop() }
        reader.name = "usbip-vcp-in"
        writer.name = "usbip-vcp-out"
        threads = [reader, writer]
        for t in threads { t.start() }
    }

    func read(seqnum: UInt32, length: Int) {
        condition.withLock { reads.append((seqnum, length)); condition.broadcast() }
    }

    func write(seqnum: UInt32, data: [UInt8]) {
        condition.withLock { writes.append((seqnum, data)); condition.broadcast() }
    }

    /// Cancels a pending request; false when it has completed already (its RET_SUBMIT is out).
    func cancel(seqnum: UInt32) -> Bool {
        condition.withLock {
            if let i = reads.firstIndex(where: { $0.seqnum == seqnum }) { reads.remove(at: i); return true }
            if let i = writes.firstIndex(where: { $0.seqnum == seqnum }) { writes.remove(at: i); return true }
            return false
        }
    }

    /// The host changed the line rate; what was written before is sent first (tcdrain).
    func setBaud(_ rate: Int) -> Bool {
        do { try port.setBaud(rate); return true } catch { return false }
    }

    func stop() {
        condition.withLock { stopped = true; condition.broadcast() }
        for t in threads { while !t.isFinished { Thread.sleep(forTimeInterval: 0.001) } }
        port.close()
    }

    private func readLoop() {
        while true {
            condition.lock()
            while !stopped && reads.isEmpty { condition.wait() }
            if stopped { condition.unlock(); return }
            if !carry.isEmpty {
                // Answered under the lock, so an UNLINK either finds the request or finds it gone
                // with its RET_SUBMIT already on the wire.
                let request = reads.removeFirst()
                let data = Array(carry.prefix(request.length))
                carry.removeFirst(data.count)
                complete(request.seqnum, URBStatus.ok, data, 0)
                condition.unlock()
                continue
            }
            let wanted = reads[0].length
            condition.unlock()
            do {
                let bytes = try port.receive(maxBytes: max(1, wanted), timeout: .milliseconds(20))
                if !bytes.isEmpty { condition.withLock { carry += bytes } }
            } catch {
                failAll()
                return
            }
        }
    }

    private func writeLoop() {
        while true {
            condition.lock()
            while !stopped && writes.isEmpty { condition.wait() }
            if stopped { condition.unlock(); return }
            let request = writes[0]
            condition.unlock()
            let status: Int32
            do { try port.send(request.data); status = URBStatus.ok } catch { status = URBStatus.noDevice }
            condition.withLock {
                guard let i = writes.firstIndex(where: { $0.seqnum == request.seqnum }) else { return }   // unlinked meanwhile
                writes.remove(at: i)
                complete(request.seqnum, status, [], status == URBStatus.ok ? request.data.count : 0)
            }
        }
    }

    /// The pty hung up (the board's VCP was pulled): every pending request ends with ENODEV.
    private func failAll() {
        condition.withLock {
            for r in reads { complete(r.seqnum, URBStatus.noDevice, [], 0) }
            reads.removeAll()
            stopped = true
            condition.broadcast()
        }
    }
}
