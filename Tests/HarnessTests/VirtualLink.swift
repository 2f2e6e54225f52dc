@testable import Deployer

/// A serial line on a virtual clock between the host session and a SimulatedDevice.
///
/// Bytes take 10 bit times each (8N1) at the sender's rate and queue behind each other per
/// direction; a byte read at another rate than it was sent arrives as garbage. The device runs
/// when the host waits: an inference costs its estimated cycles of virtual time, during which
/// bytes keep arriving (as they would into a UART ISR) and are handed over before its next step.
/// Faults: per-direction FaultPlans, device stalls (frozen: deaf and mute) and reboots.
final class VirtualLink: HarnessLink {
    private struct WireByte { var at: Double; var value: UInt8; var baud: UInt32 }

    let device: SimulatedDevice
    private(set) var now = 0.0                 // host time
    private(set) var deviceTime = 0.0
    private(set) var hostBaud: UInt32
    private var deviceBauds: [(from: Double, baud: UInt32)]
    private var toDevice: [WireByte] = [], toDeviceHead = 0, toDeviceFree = 0.0
    private var toHost: [WireByte] = [], toHostHead = 0, toHostFree = 0.0
    var hostToDevice: FaultInjector
    var deviceToHost: FaultInjector
    /// Windows in which the device is frozen: bytes reaching it are lost, it sends nothing.
    var stalls: [(from: Double, until: Double)] = []
    /// Times at which the device resets (re-init + start).
    var reboots: [Double] = []
    private var pendingCost = 0.0
    /// Sees every batch of bytes handed to the device, with the device's time.
    var deviceTap: ((Double, [UInt8]) -> Void)?
    private var rng = SeededRandom(seed: 99)

    // Records for the tests.
    private(set) var inferences: [(start: Double, end: Double)] = []
    /// When the host-to-device line carried each write: (first bit, last bit).
    private(set) var lineBusy: [(from: Double, to: Double)] = []
    private(set) var rebootCount = 0
    /// Everything the host wrote and read, in order, with the host's time.
    private(set) var log: [(time: Double, wrote: Bool, bytes: [UInt8])] = []

    init(device: SimulatedDevice, hostToDevice: FaultPlan = .none, deviceToHost: FaultPlan = .none, seed: UInt64 = 1) {
        self.device = device
        hostBaud = device.config.bootBaud
        deviceBauds = [(0, device.config.bootBaud)]
        self.hostToDevice = FaultInjector(hostToDevice, seed: seed)
        self.deviceToHost = FaultInjector(deviceToHost, seed: seed &+ 1)
        device.onWrite = { [unowned self] bytes in self.deviceWrote(bytes) }
        device.onSetBaud = { [unowned self] baud in
            // after the acknowledgement has left the wire
            self.deviceBauds.append((max(self.toHostFree, self.deviceTime + self.pendingCost), baud))
            return true
        }
        device.cycleCounter = { [unowned self] in
            UInt64((self.deviceTime + self.pendingCost) * Double(self.device.config.coreClockHz))
        }
        device.onInference = { [unowned self] cycles in
            self.pendingCost += Double(cycles) / Double(self.device.config.coreClockHz)
        }
        device.boot()
    }

    /// The host side retunes its port (the closure a session's switchBaud gets).
    func retuneHost(_ baud: UInt32) { hostBaud = baud }

    func deviceBaud(at t: Double) -> UInt32 { deviceBauds.last { $0.from <= t }!.baud }

    // MARK: HarnessLink

    func write(_ bytes: [UInt8]) throws {
        log.append((now, true, bytes))
        let start = max(now, toDeviceFree)
        for byte in bytes {
            for b in hostToDevice.apply(byte, at: now) {
                let at = max(now, toDeviceFree) + 10.0 / Double(hostBaud)
                toDeviceFree = at
                toDevice.append(WireByte(at: at, value: b, baud: hostBaud))
            }
        }
        lineBusy.append((start, toDeviceFree))
    }

    func read(maxBytes: Int, timeout: Duration) throws -> [UInt8] {
        let deadline = now + seconds(timeout)
        runDevice(until: deadline, stopAtOutput: true)
        var out: [UInt8] = []
        while toHostHead < toHost.count, out.count < maxBytes, toHost[toHostHead].at <= deadline {
            let b = toHost[toHostHead]
            toHostHead += 1
            now = max(now, b.at)
            out.append(b.baud == hostBaud ? b.value : UInt8(truncatingIfNeeded: rng.next()))
        }
        if out.isEmpty { now = deadline }
        if !out.isEmpty { log.append((now, false, out)) }
        return out
    }

    // MARK: The device's side of time

    private func deviceWrote(_ bytes: [UInt8]) {
        let stamp = deviceTime + pendingCost
        let baud = deviceBaud(at: stamp)
        for byte in bytes {
            for b in deviceToHost.apply(byte, at: stamp) {
                let at = max(stamp, toHostFree) + 10.0 / Double(baud)
                toHostFree = at
                toHost.append(WireByte(at: at, value: b, baud: baud))
            }
        }
    }

    private func frozen(at t: Double) -> (from: Double, until: Double)? { stalls.first { $0.from <= t && t < $0.until } }

    /// Hands over arrived bytes, reboots when due, steps; an inference moves device time on by
    /// its cost. Stops at `until`, or as soon as the device has sent something if asked to.
    private func runDevice(until: Double, stopAtOutput: Bool) {
        while true {
            if let r = reboots.first, r <= deviceTime {
                reboots.removeFirst()
                rebootCount += 1
                deviceBauds.append((deviceTime, device.config.bootBaud))
                device.boot()
            }
            deliverArrived()
            if stopAtOutput, toHostHead < toHost.count { return }
            if deviceTime >= until { return }
            if let stall = frozen(at: deviceTime) { deviceTime = min(until, stall.until); continue }
            pendingCost = 0
            let start = deviceTime
            if device.step() {
                if pendingCost > 0 { inferences.append((start, start + pendingCost)) }
                deviceTime += pendingCost
                pendingCost = 0
                continue
            }
            var next = until
            if toDeviceHead < toDevice.count { next = min(next, toDevice[toDeviceHead].at) }
            if let r = reboots.first { next = min(next, r) }
            if let s = stalls.first(where: { $0.from > deviceTime }) { next = min(next, s.from) }
            deviceTime = max(deviceTime, next)
        }
    }

    private func deliverArrived() {
        var batch: [UInt8] = []
        while toDeviceHead < toDevice.count, toDevice[toDeviceHead].at <= deviceTime {
            let b = toDevice[toDeviceHead]
            toDeviceHead += 1
            if frozen(at: b.at) != nil { continue }
            batch.append(b.baud == deviceBaud(at: b.at) ? b.value : UInt8(truncatingIfNeeded: rng.next()))
        }
        if !batch.isEmpty { deviceTap?(deviceTime, batch); device.receive(batch) }
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
