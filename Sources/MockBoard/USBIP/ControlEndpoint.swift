import USBIP

/// Endpoint 0 of an exported mock board: the standard requests a host enumerates with, the CDC
/// requests of the virtual COM port, the two mass-storage class requests, and the port reset
/// usbip's stub turns into a device reset. Anything else stalls, as a device does with a request
/// it does not support (USB 2.0 §9.2.7); nothing a client sends can crash it.
struct ControlEndpoint {
    enum Result: Equatable {
        case data([UInt8])
        case ack
        case stall
    }

    let device: ExportedDevice
    /// Set by SET_CONFIGURATION. An exported device is configured already: usbipd exports devices
    /// its host has configured, and the device record says so.
    var configuration: UInt8
    var lineCoding = LineCoding(baud: 115_200)

    init(device: ExportedDevice) {
        self.device = device
        configuration = device.record.configurationValue
    }

    /// Answers one control transfer. `setBaud` retunes the VCP (false: the rate cannot be set);
    /// `resetProbe` restarts the emulated probe (false: the probe is gone).
    mutating func handle(_ setup: SetupPacket, data: [UInt8], setBaud: (Int) -> Bool, resetProbe: () -> Bool) -> Result {
        switch (setup.requestType, setup.request) {
        case (0x80, USBRequest.getDescriptor):
            guard let d = descriptor(type: UInt8(setup.value >> 8), index: UInt8(truncatingIfNeeded: setup.value)) else { return .stall }
            return .data(Array(d.prefix(Int(setup.length))))
        case (0x00, USBRequest.setConfiguration):
            guard setup.value == 0 || setup.value == UInt16(device.record.configurationValue) else { return .stall }
            configuration = UInt8(setup.value)
            return .ack
        case (0x80, USBRequest.getConfiguration):
            return .data([configuration])
        case (0x80, USBRequest.getStatus), (0x81, USBRequest.getStatus), (0x82, USBRequest.getStatus):
            return .data([0, 0])                 // bus powered, no remote wake-up, no halt
        case (0x00, USBRequest.setAddress):
            return .ack                          // vhci assigns addresses itself; harmless here
        case (0x01, USBRequest.setInterface):
            return setup.value == 0 && Int(setup.index) < device.record.interfaces.count ? .ack : .stall
        case (0x81, USBRequest.getInterface):
            return Int(setup.index) < device.record.interfaces.count ? .data([0]) : .stall
        case (0x02, USBRequest.clearFeature):
            return setup.value == 0 ? .ack : .stall   // ENDPOINT_HALT: nothing stays halted here
        case (0x23, USBRequest.setFeature) where setup.value == USBRequest.featurePortReset:
            return resetProbe() ? .ack : .stall
        case (0x21, _), (0xA1, _):
            return classRequest(setup, data: data, setBaud: setBaud)
        default:
            return .stall
        }
    }

    private mutating func classRequest(_ setup: SetupPacket, data: [UInt8], setBaud: (Int) -> Bool) -> Result {
        let toVCP = device.vcpControlInterface.map { UInt16($0) == setup.index } ?? false
        switch (setup.requestType, setup.request, toVCP) {
        case (0x21, USBRequest.cdcSetLineCoding, true):
            guard let coding = LineCoding(data), coding.dataBits == 8, coding.parity == 0, coding.stopBits == 0,
                  setBaud(Int(coding.baud)) else { return .stall }
            lineCoding = coding
            return .ack
        case (0xA1, USBRequest.cdcGetLineCoding, true):
            return .data(Array(lineCoding.bytes.prefix(Int(setup.length))))
        case (0x21, USBRequest.cdcSetControlLineState, true), (0x21, USBRequest.cdcSendBreak, true):
            return .ack
        case (0xA1, USBRequest.mscGetMaxLUN, false):
            return .data([0])                    // one logical unit
        case (0x21, USBRequest.mscReset, false):
            return .ack
        default:
            return .stall
        }
    }

    private func descriptor(type: UInt8, index: UInt8) -> [UInt8]? {
        let d = device.descriptors
        switch type {
        case DescriptorType.device: return d.device
        case DescriptorType.configuration: return index == 0 ? d.configuration : nil
        case DescriptorType.string: return Int(index) < d.strings.count ? d.strings[Int(index)] : nil
        // A full-speed-only device answers DEVICE_QUALIFIER with a request error (USB 2.0 §9.6.2).
        default: return nil
        }
    }
}
