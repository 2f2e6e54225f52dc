import USBIP

/// One mock board as the USB/IP server offers it: its bus id, the device record and descriptors
/// of the probe it pretends to be, and where each endpoint leads.
///
/// The emulated probe is not thread-safe; the server lets one importer at a time drive it.
final class ExportedDevice: @unchecked Sendable {
    /// What an endpoint carries: the probe's command pipe, the VCP's data, the mass-storage
    /// interface, or nothing that ever answers (the trace endpoint, the CDC notification).
    enum Route: Equatable {
        case probeOut, probeIn, vcpOut, vcpIn, massStorageOut, massStorageIn, silentIn
    }

    /// Paths of exported mock boards start so; a client takes such a device for a mock board
    /// (it runs the harness built for the host, no firmware image needed). A real device's path
    /// is its sysfs path on the exporting host.
    static let pathPrefix = "/sys/devices/hil-mock/"

    let busid: String
    let board: MockBoard
    let serialPath: String?
    let record: DeviceRecord
    let descriptors: USBDescriptors
    let routes: [UInt8: Route]
    /// The CDC control interface, to which line-coding requests go.
    let vcpControlInterface: UInt8?

    init(number: Int, board: MockBoard, serialPath: String?, description: USBDeviceDescription) {
        busid = "1-\(number)"
        self.board = board
        self.serialPath = serialPath
        descriptors = USBDescriptors(description, serial: board.probe.identity.serial)
        record = descriptors.record.record(path: Self.pathPrefix + "usb1/" + busid, busid: busid, busnum: 1,
                                           devnum: UInt32(number + 1))
        var routes: [UInt8: Route] = [:]
        for interface in description.configuration.interfaces {
            for e in interface.endpoints {
                let address = UInt8(truncatingIfNeeded: e.address.value)
                switch (interface.role, e.isIn, e.type) {
                case ("debug", false, _): routes[address] = .probeOut
                case ("debug", true, _) where address == board.probe.identity.model.inEndpoint: routes[address] = .probeIn
                case ("vcp_data", false, _): routes[address] = .vcpOut
                case ("vcp_data", true, _): routes[address] = .vcpIn
                case ("mass_storage", false, _): routes[address] = .massStorageOut
                case ("mass_storage", true, _): routes[address] = .massStorageIn
                case (_, true, _): routes[address] = .silentIn
                default: break
                }
            }
        }
        self.routes = routes
        vcpControlInterface = description.interface(role: "vcp_control").map { UInt8($0.number) }
    }

    var serial: String { board.probe.identity.serial }
}
