import Foundation
import USBIP

/// The URB traffic of one imported device on its TCP connection. Submits may be outstanding at
/// once — the probe's command pipe and the VCP's long-waiting bulk IN share the connection — so a
/// reader thread takes every reply off the socket and hands it to whoever waits for that seqnum.
///
/// Calls block the calling thread, as the ST-LINK command layer expects. When the connection
/// ends (server stopped, network, device pulled on the server) every waiter and every later call
/// gets `USBIPError.connectionLost`, and the disconnect handlers run once.
public final class USBIPConnection: @unchecked Sendable {
    public struct Completion: Sendable, Equatable {
        /// 0, or a negated errno: -32 the endpoint stalled, -104 the URB was unlinked.
        public let status: Int32
        public let actualLength: Int
        /// IN data (empty for OUT).
        public let data: [UInt8]
    }

    public let address: USBIPAddress
    public let record: DeviceRecord
    private let socket: TCPSocket
    private let condition = NSCondition()
    private let writeLock = NSLock()
    private var nextSeqnum: UInt32 = 1
    /// Submits not answered yet, with their direction (an IN's reply carries data, an OUT's not).
    private var outstanding: [UInt32: URBDirection] = [:]
    private var answers: [UInt32: Completion] = [:]
    /// RET_UNLINK statuses by the UNLINK's own seqnum.
    private var unlinkAnswers: [UInt32: Int32] = [:]
    private var failure: String?
    private var handlers: [@Sendable (String) -> Void] = []

    init(socket: TCPSocket, record: DeviceRecord, address: USBIPAddress) {
        self.socket = socket
        self.record = record
        self.address = address
        let reader = Thread { [self] in readLoop() }
        reader.name = "usbip-reader"
        reader.start()
    }

    /// Why the connection ended, or nil while it is up.
    public var lostReason: String? { condition.withLock { failure } }

    /// Runs `handler` once when the connection ends (at once if it has ended already). Not run
    /// for `close()`.
    public func onDisconnect(_ handler: @escaping @Sendable (String) -> Void) {
        let reason: String? = condition.withLock {
            if failure == nil { handlers.append(handler) }
            return failure
        }
        if let reason { handler(reason) }
    }

    /// Ends the connection on purpose: the server frees the device for another importer.
    public func close() {
        condition.withLock {
            if failure == nil { failure = "closed by this side" }
            handlers.removeAll()
            condition.broadcast()
        }
        socket.shutdown()
    }

    /// Sends CMD_SUBMIT for endpoint address `endpoint` (0x81 is IN 1; 0x00 control, whose
    /// direction the setup packet gives) and returns its seqnum.
    public func submit(endpoint: UInt8, length: Int, setup: SetupPacket? = nil, data: [UInt8] = []) throws(USBIPError) -> UInt32 {
        let direction: URBDirection = (setup.map(\.isIn) ?? (endpoint & 0x80 != 0)) ? .in : .out
        let seqnum: UInt32 = try locked(condition) { () throws(USBIPError) -> UInt32 in
            if let failure { throw .connectionLost(address, reason: failure) }
            let s = nextSeqnum
            nextSeqnum &+= 1
            outstanding[s] = direction
            return s
        }
        let cmd = CmdSubmit(seqnum: seqnum, devid: record.devid, direction: direction, endpoint: endpoint & 0x0F,
                            length: UInt32(length), setup: setup?.bytes ?? [UInt8](repeating: 0, count: 8))
        try send(cmd.encode(data: direction == .out ? data : []))
        return seqnum
    }

    /// The submit's completion, or nil when `timeout` passes first (it stays outstanding).
    public func wait(_ seqnum: UInt32, timeout: Duration) throws(USBIPError) -> Completion? {
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        return try locked(condition) { () throws(USBIPError) -> Completion? in
            while answers[seqnum] == nil && failure == nil {
                if !condition.wait(until: deadline) { break }
            }
            if let answer = answers.removeValue(forKey: seqnum) { return answer }
            if let failure { throw .connectionLost(address, reason: failure) }
            return nil
        }
    }

    /// Unlinks an outstanding submit. Returns its completion when it completed before the unlink
    /// reached the device (nothing is lost), nil when the unlink won.
    public func cancel(_ seqnum: UInt32, timeout: Duration = .seconds(5)) throws(USBIPError) -> Completion? {
        let unlinkSeqnum: UInt32 = try locked(condition) { () throws(USBIPError) -> UInt32 in
            if let failure { throw .connectionLost(address, reason: failure) }
            let s = nextSeqnum
            nextSeqnum &+= 1
            return s
        }
        if condition.withLock({ answers[seqnum] != nil }) { return try wait(seqnum, timeout: .zero) }
        try send(encodeUnlink(seqnum: unlinkSeqnum, devid: record.devid, unlinkSeqnum: seqnum))
        // A server sends the RET_SUBMIT of a URB that completed first before its RET_UNLINK.
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        return try locked(condition) { () throws(USBIPError) -> Completion? in
            while unlinkAnswers[unlinkSeqnum] == nil && failure == nil {
                if !condition.wait(until: deadline) { break }
            }
            if let failure { throw .connectionLost(address, reason: failure) }
            guard let status = unlinkAnswers.removeValue(forKey: unlinkSeqnum) else {
                throw .protocolViolation(server: address.server, detail: "no RET_UNLINK within \(timeout) for the unlink of submit \(seqnum)")
            }
            if status == URBStatus.unlinked { outstanding.removeValue(forKey: seqnum) }
            return answers.removeValue(forKey: seqnum)
        }
    }

    private func send(_ bytes: [UInt8]) throws(USBIPError) {
        do { try locked(writeLock) { () throws(SocketError) in try socket.write(bytes) } } catch {
            lose(error.description)
            throw .connectionLost(address, reason: error.description)
        }
    }

    private func readLoop() {
        do {
            while true {
                switch try URBMessage.decode(header: try socket.read(exactly: URBMessage.headerSize)) {
                case let .retSubmit(ret):
                    guard let direction = condition.withLock({ outstanding[ret.seqnum] }) else {
                        throw USBIPProtocolError.unexpected("a RET_SUBMIT for seqnum \(ret.seqnum), which was never submitted or was answered already")
                    }
                    let length = Int(ret.actualLength)
                    guard length <= 1 << 20 else { throw USBIPProtocolError.unexpected("a RET_SUBMIT claims \(length) bytes") }
                    let data = direction == .in && length > 0 ? try socket.read(exactly: length) : []
                    condition.withLock {
                        outstanding.removeValue(forKey: ret.seqnum)
                        answers[ret.seqnum] = Completion(status: ret.status, actualLength: length, data: data)
                        condition.broadcast()
                    }
                case let .retUnlink(seqnum, status):
                    condition.withLock { unlinkAnswers[seqnum] = status; condition.broadcast() }
                case .submit, .unlink:
                    throw USBIPProtocolError.unexpected("the server sent a command (CMD_*), which only a client sends")
                }
            }
        } catch let error as SocketError {
            if case .closed = error { lose("the server closed the connection") } else { lose(error.description) }
        } catch {
            lose("\(error)")
        }
    }

    private func lose(_ reason: String) {
        let run: [@Sendable (String) -> Void] = condition.withLock {
            guard failure == nil else { return [] }
            failure = reason
            condition.broadcast()
            defer { handlers.removeAll() }
            return handlers
        }
        socket.shutdown()
        for handler in run { handler(reason) }
    }
}

/// `withLock` for bodies with a typed error (Foundation's rethrows loses the type).
func locked<T, E: Error>(_ lock: NSLocking, _ body: () throws(E) -> T) throws(E) -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
}
