import Testing
import Discovery
#if canImport(Glibc)
import Glibc
#endif

/// Whether this machine lets us broadcast udev events, decided by asking the kernel, not by
/// guessing from the uid: a harmless event for a subsystem no monitor of ours filters for.
/// Only a refusal (EPERM/EACCES, or not uid 0) disables the end-to-end tests; any other error
/// lets them run, so they fail and show it.
enum Netlink {
    static let broadcastRefusal: DiscoveryError? = {
        do {
            let b = try UdevEventBroadcaster()
            try b.send(UdevDevice(action: .change, subsystem: "hil-permission-probe",
                                  devpath: "/devices/virtual/hil-permission-probe/\(uniqueTag())"))
            return nil
        } catch let error as DiscoveryError where error.isPermissionDenied {
            print("DiscoveryTests: skipping netlink end-to-end tests: \(error)")
            return error
        } catch {
            return nil
        }
    }()
    static var canBroadcast: Bool { broadcastRefusal == nil }
}

/// A tag no other test (or run) uses, to keep parallel tests' events apart.
func uniqueTag() -> String {
    var bytes = [UInt8](repeating: 0, count: 8)
    for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
    return bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined().uppercased()
}

/// Collects events passing `belongs` until `done` says enough, or the timeout passes; returns
/// what arrived either way, so a failing test shows what it did get.
func collect(
    _ stream: AsyncStream<UdevDevice>, timeout: Duration = .seconds(5),
    where belongs: @escaping @Sendable (UdevDevice) -> Bool,
    until done: @escaping @Sendable ([UdevDevice]) -> Bool
) async -> [UdevDevice] {
    await withTaskGroup(of: [UdevDevice]?.self) { group in
        group.addTask {
            var got: [UdevDevice] = []
            for await device in stream where belongs(device) {
                got.append(device)
                if done(got) { break }
            }
            return got
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        var result: [UdevDevice] = []
        while let next = await group.next() {
            if let got = next {
                result = got
                break
            }
            group.cancelAll()  // timed out: the collector returns what it has when cancelled
        }
        group.cancelAll()
        return result
    }
}

/// A real pty, standing in for /dev/ttyACM0; closed when the value is dropped by `close()`.
struct PseudoTerminal {
    let controller: Int32
    let device: Int32
    let path: String

    init() throws {
        var c: Int32 = -1, d: Int32 = -1
        guard openpty(&c, &d, nil, nil, nil) == 0, let name = ttyname(d) else {
            throw PTYError(errno: errno)
        }
        controller = c
        device = d
        path = String(cString: name)
    }

    func close() {
        _ = Glibc.close(device)
        _ = Glibc.close(controller)
    }

    struct PTYError: Error { var errno: Int32 }
}
