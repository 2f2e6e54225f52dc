import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket file's life around the server: make room for it, restrict it, remove it.
enum UnixSocketFile {
    /// Before bind. A socket file left by a killed hild is removed; one that still answers is
    /// another hild, which must not lose its socket to us; anything that is not a socket is left
    /// alone. A missing directory is created (mode 0750) so the default `$XDG_RUNTIME_DIR/hil/`
    /// path works on first start.
    static func prepare(_ path: String) throws(APIServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            guard errno == ENOENT else { throw APIServerError("cannot inspect \(path): \(String(cString: strerror(errno)))") }
            try makeDirectory(of: path)
            return
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw APIServerError("\(path) exists and is not a socket: hild will not remove it; move it away or choose another socket path")
        }
        switch probe(path) {
        case 0:
            throw APIServerError("another hild is listening on \(path): stop it first, or give this one another socket path")
        case ECONNREFUSED:
            // Nobody accepts on it: what a killed daemon leaves behind.
            guard unlink(path) == 0 || errno == ENOENT else {
                throw APIServerError("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
            }
        case let error:
            throw APIServerError("cannot tell whether a hild still listens on \(path) (\(String(cString: strerror(error)))): "
                + "remove the file if no hild runs, or choose another socket path")
        }
    }

    /// After bind: only the owner and the group (the bench's users) may connect.
    static func restrict(_ path: String) throws(APIServerError) {
        guard chmod(path, 0o660) == 0 else {
            throw APIServerError("cannot set mode 0660 on \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Connects once: 0 when something accepts, else the errno (ECONNREFUSED for a stale file).
    static func probe(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0 ? 0 : errno
    }

    private static func makeDirectory(of path: String) throws(APIServerError) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw APIServerError("cannot create \(directory) for the socket: \(error)")
        }
    }
}
