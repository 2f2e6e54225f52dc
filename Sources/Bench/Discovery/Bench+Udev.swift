import Foundation
import Discovery
import HilAPI
import STLink
import Logging

extension Bench {
    /// Follows udev: the probes present at start, then every add and remove, paired with their
    /// ttys by USB serial. Ends when the bench's task is cancelled.
    func watchUdev() async {
        let monitor: UdevMonitor
        do { monitor = try UdevMonitor() } catch {
            logger.error("udev hot-plug is off: \(error)")
            return
        }
        let ids = ProbeIDs(ProbeModel.known.map { (vendor: String(format: "%04x", ProbeModel.vendorID), product: String(format: "%04x", $0.productID)) })
        var tracker = ProbeTracker(ids: ids)
        let events = monitor.events()
        watchingUdev = true
        defer { watchingUdev = false }
        for device in monitor.enumerate() {
            for change in tracker.apply(device) { await handle(change) }
        }
        await withTaskCancellationHandler {
            for await device in events {
                for change in tracker.apply(device) { await handle(change) }
            }
        } onCancel: {
            monitor.stop()
        }
    }

    /// True once the udev monitor is bound and listening: events from then on are not missed.
    public var isWatchingUdev: Bool { watchingUdev }

    private func handle(_ change: ProbeChange) async {
        switch change {
        case let .appeared(probe):
            logger.info("udev: probe \(probe.serial) (\(probe.vendorID):\(probe.productID)) at \(probe.usbDevpath)\(probe.ttyPath.map { ", VCP \($0)" } ?? "")")
            await probeAppeared(serial: probe.serial, tty: probe.ttyPath)
        case let .updated(probe):
            if registry.handle(probe.serial) == nil {
                await probeAppeared(serial: probe.serial, tty: probe.ttyPath)
            } else {
                probeTTYChanged(serial: probe.serial, tty: probe.ttyPath)
            }
        case let .vanished(serial, _):
            probeVanished(serial: serial)
        }
    }
}
