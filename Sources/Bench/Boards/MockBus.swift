import Foundation
import Deployer
import MockBoard
import STLink

/// The mock boards of this daemon as if on a USB bus: each an emulated ST-LINK/V2-1 in front of an
/// emulated STM32F746, its VCP on a pty, with the flashed firmware running on its emulated core
/// (or, `MockCoreKind.hostHarness`, the harness compiled for this host). A board can be pulled and plugged back like a real one:
/// pulled, its probe answers every transfer with "disconnected" and its pty hangs up; plugged
/// again, it keeps its serial and its flash but gets a new pty, as a real replug gets a new tty.
public final class MockBus: ProbeConnector, @unchecked Sendable {
    public static func serial(_ n: Int) -> String { EmulatedProbeConfig.mockSerial(n) }

    private final class Slot {
        let board: MockBoard
        let faults: MockBoardFaults
        var plugged = true
        var serialPath: String = ""
        init(board: MockBoard, faults: MockBoardFaults) { self.board = board; self.faults = faults }
    }

    public let definition: BoardDefinition
    public let core: MockCoreKind
    private let uartConfig: MockUARTConfig
    private let lock = NSLock()
    private var slots: [String: Slot] = [:]
    private var order: [String] = []

    /// `count` boards with serials 4D4F434B0746F7D15C000001 … (from `firstNumber`); `faults`
    /// by board number.
    public init(count: Int, definition: BoardDefinition, catalog: BoardCatalog, core: MockCoreKind = .emulated,
                firstNumber: Int = 1, faults: [Int: MockBoardFaults] = [:]) throws {
        self.definition = definition
        self.core = core
        uartConfig = MockUARTConfig(board: definition)
        let chip = catalog.chip(for: definition)
        for n in firstNumber..<(firstNumber + count) {
            let serial = Self.serial(n)
            let plan = faults[n] ?? MockBoardFaults()
            let board = MockBoard(chip: chip, probe: .v2_1(serial: serial), faults: plan.probe, hseHz: definition.hseHz)
            let slot = Slot(board: board, faults: plan)
            slot.serialPath = try attachLine(of: slot, serial: serial)
            slots[serial] = slot
            order.append(serial)
        }
    }

    private func attachLine(of slot: Slot, serial: String) throws -> String {
        try slot.board.attach(core, uart: uartConfig, serialFaults: slot.faults.serial,
                              onPull: { [weak self] in self?.unplug(serial) })
    }

    public var serials: [String] { lock.withLock { order } }

    public func isPlugged(_ serial: String) -> Bool { lock.withLock { slots[serial]?.plugged ?? false } }

    /// The pty the board's VCP is on now (nil while pulled).
    public func serialPath(_ serial: String) -> String? {
        lock.withLock { slots[serial].flatMap { $0.plugged ? $0.serialPath : nil } }
    }

    public func open(serial: String) throws -> any USBTransport {
        try lock.withLock {
            guard let slot = slots[serial] else {
                throw ProbeOpenError.notFound(serial: serial, available: order)
            }
            guard slot.plugged else { throw ProbeOpenError.notFound(serial: serial, available: order.filter { slots[$0]!.plugged }) }
            return PluggableTransport(inner: slot.board.probe, isPlugged: { [weak self] in self?.isPlugged(serial) ?? false },
                                      onDisconnected: { [weak self] in self?.unplug(serial) })
        }
    }

    /// Pulls the board: transfers fail, the pty hangs up.
    public func unplug(_ serial: String) {
        lock.withLock {
            guard let slot = slots[serial], slot.plugged else { return }
            slot.plugged = false
            slot.board.detachSerial()
        }
    }

    /// Plugs it back; returns its new pty.
    @discardableResult
    public func plug(_ serial: String) throws -> String? {
        try lock.withLock {
            guard let slot = slots[serial] else { return nil }
            if !slot.plugged {
                slot.serialPath = try attachLine(of: slot, serial: serial)
                slot.plugged = true
            }
            return slot.serialPath
        }
    }

    /// Flash statistics of one board (tests check what a job erased).
    public func statistics(_ serial: String) -> MockStatistics? { lock.withLock { slots[serial]?.board.statistics } }
}

/// A probe transport that fails once its board is pulled, as libusb does for a vanished device.
/// A probe that pulls itself (a `FaultPlan` cut) takes its VCP with it, as a pulled cable does.
final class PluggableTransport: USBTransport {
    let inner: any USBTransport
    let isPlugged: () -> Bool
    let onDisconnected: () -> Void
    init(inner: any USBTransport, isPlugged: @escaping () -> Bool, onDisconnected: @escaping () -> Void) {
        self.inner = inner; self.isPlugged = isPlugged; self.onDisconnected = onDisconnected
    }
    var identity: ProbeIdentity { inner.identity }
    var clock: any HostClock { inner.clock }
    func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError) {
        try passing { () throws(TransportError) in try inner.bulkOut(data, timeout: timeout) }
    }
    func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        try passing { () throws(TransportError) in try inner.bulkIn(maxLength: maxLength, timeout: timeout) }
    }
    func reset() throws(TransportError) {
        try passing { () throws(TransportError) in try inner.reset() }
    }

    private func passing<T>(_ call: () throws(TransportError) -> T) throws(TransportError) -> T {
        guard isPlugged() else { throw .disconnected(serial: identity.serial) }
        do { return try call() } catch {
            if case .disconnected = error { onDisconnected() }
            throw error
        }
    }
}

/// The faults one mock board is built with: its probe and target, and its serial line.
public struct MockBoardFaults: Sendable, Equatable {
    public var probe: FaultPlan
    public var serial: SerialFaultPlan
    public init(probe: FaultPlan = .none, serial: SerialFaultPlan = .none) {
        self.probe = probe
        self.serial = serial
    }
}
