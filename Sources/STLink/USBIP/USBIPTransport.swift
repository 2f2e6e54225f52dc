import USBIP

/// An ST-LINK's debug interface on a device imported over USB/IP (a real probe behind usbipd on
/// another host, or a mock board behind `hilctl mock serve`): the same 16-byte commands as over
/// libusb, carried in URBs. Its clock is this host's: the remote's time is not ours to read.
public final class USBIPTransport: USBTransport, @unchecked Sendable {
    public let device: USBIPDevice
    public let identity: ProbeIdentity
    public let clock: any HostClock = SystemClock()

    init(device: USBIPDevice, model: ProbeModel) {
        self.device = device
        identity = ProbeIdentity(model: model, serial: device.serial)
    }

    public func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError) {
        do {
            let sent = try device.bulkOut(endpoint: identity.model.outEndpoint, data, timeout: timeout)
            guard sent == data.count else { throw TransportError.io("sent \(sent) of \(data.count) bytes") }
        } catch let error as USBIPTransferError { throw map(error) } catch let error as TransportError { throw error } catch {
            throw .io("\(error)")
        }
    }

    public func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        do { return try device.bulkIn(endpoint: identity.model.inEndpoint, maxLength: max(maxLength, 1), timeout: timeout) }
        catch { throw map(error) }
    }

    /// SET_FEATURE(PORT_RESET): usbipd's stub resets the device on its host; hil's server
    /// restarts the emulated probe.
    public func reset() throws(TransportError) {
        do { _ = try device.control(.portReset, timeout: .seconds(5)) } catch { throw map(error) }
    }

    /// Drains a reply a crashed tool may have left queued, as the libusb transport does at open.
    func drain() {
        for _ in 0..<4 {
            guard let bytes = try? device.bulkIn(endpoint: identity.model.inEndpoint, maxLength: 64, timeout: .milliseconds(10)),
                  !bytes.isEmpty else { break }
        }
    }

    private func map(_ error: USBIPTransferError) -> TransportError {
        switch error {
        case let .timeout(endpoint, after): return .timeout(endpoint: endpoint, after: after)
        case let .stall(endpoint): return .stall(endpoint: endpoint)
        case let .failed(_, status) where status == URBStatus.overflow:
            return .io("overflow: the probe sent more than the buffer holds")
        case let .failed(_, status) where status == URBStatus.noDevice:
            return .connectionLost(remote: device.address.description, reason: "the device was unplugged from the server's host")
        case let .failed(endpoint, status): return .io("endpoint 0x\(hex8(endpoint)) failed with status \(status)")
        case let .connection(.connectionLost(address, reason)): return .connectionLost(remote: address.description, reason: reason)
        case let .connection(other): return .io(other.description)
        }
    }
}

/// Opens ST-LINKs exported over USB/IP.
public enum USBIPProbes {
    /// Imports the device at `address`, checks it is an ST-LINK we drive, and returns its
    /// debug interface; `transport.device` reaches the rest of it (the VCP).
    public static func open(_ address: USBIPAddress) throws(ProbeOpenError) -> USBIPTransport {
        let device: USBIPDevice
        do { device = try USBIPDevice.open(address) } catch { throw .usbip(error) }
        let d = device.descriptor
        let label = String(format: "the device 0x%04x:0x%04x at %@", d.idVendor, d.idProduct, address.description)
        guard d.idVendor == ProbeModel.vendorID else {
            throw .usbip(.unsupportedDevice(address, detail: "\(label) is not an ST device (vendor 0x0483)"))
        }
        if let reason = ProbeModel.unsupported[d.idProduct] { throw .unsupported(description: label, reason: reason) }
        guard let model = ProbeModel.model(productID: d.idProduct) else {
            throw .usbip(.unsupportedDevice(address, detail: "\(label) is not an ST-LINK debug probe"))
        }
        let transport = USBIPTransport(device: device, model: model)
        transport.drain()
        return transport
    }
}
