import STLink

/// Opens a probe by its USB serial. The daemon's real connector is libusb; the mock bus answers
/// for mock boards, so udev events about mock probes drive exactly the code real probes take.
public protocol ProbeConnector: Sendable {
    func open(serial: String) throws -> any USBTransport
}

/// Real probes through libusb.
public struct LibUSBConnector: ProbeConnector {
    public init() {}
    public func open(serial: String) throws -> any USBTransport {
        try LibUSBProbes.open(serial: serial)
    }
}

/// Tries each connector in turn (the mock bus first: its serials are its own).
public struct ChainedConnector: ProbeConnector {
    let connectors: [any ProbeConnector]
    public init(_ connectors: [any ProbeConnector]) { self.connectors = connectors }
    public func open(serial: String) throws -> any USBTransport {
        var last: (any Error)?
        for c in connectors {
            do { return try c.open(serial: serial) } catch { last = error }
        }
        throw last ?? ProbeOpenError.notFound(serial: serial, available: [])
    }
}
