import Foundation

/// Why a dataset could not be archived; each names the path and what to do.
enum ArchiveError: Error, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case symlinkOutside(String, target: String)
    case danglingSymlink(String)
    case symlinkLoop(String)
    case unsupported(String, kind: String)
    case tooLarge(String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path) (\(reason))"
        case .symlinkOutside(let path, let target): return "\(path) is a symbolic link to \(target), outside the dataset folder; copy the file in instead"
        case .danglingSymlink(let path): return "\(path) is a symbolic link to nothing; remove it or fix its target"
        case .symlinkLoop(let path): return "\(path) is a symbolic link to a folder that contains it; remove it"
        case .unsupported(let path, let kind): return "\(path) is a \(kind); a dataset holds only files and folders"
        case .tooLarge(let path): return "\(path) is 8 GiB or larger, beyond what a tar entry holds"
        }
    }
}

/// A ustar (POSIX.1-1988) archive writer for sending a dataset to hild: regular files and
/// folders only, paths relative to the dataset folder. The output is deterministic (sorted
/// entries, mtime 0, uid/gid 0, modes 644/755) so the same folder always hashes to the same
/// artifact and hild need not receive it twice. Paths too long for ustar's name and prefix fields
/// get a pax extended header, which every modern tar reads.
struct TarArchive {
    private(set) var bytes: [UInt8] = []

    /// The contents of `folder` (not the folder itself): extracting into D gives D/<class>/<file>.
    /// Symbolic links inside the folder are followed and stored as what they point to; one that
    /// leaves the folder is refused, so an archive never carries files the user did not mean to send.
    static func folder(_ folder: URL) throws(ArchiveError) -> Data {
        var archive = TarArchive()
        guard let root = realPath(folder.path) else { throw .unreadable(folder.path, "no such folder") }
        try archive.addContents(of: root, shownAs: folder.path, prefix: "", root: root, ancestors: [root])
        archive.finish()
        return Data(archive.bytes)
    }

    /// A single-file dataset (e.g. one .npy) as an archive holding that file under its own name.
    static func file(_ file: URL) throws(ArchiveError) -> Data {
        var archive = TarArchive()
        try archive.addFile(at: file.path, shownAs: file.path, name: file.lastPathComponent)
        archive.finish()
        return Data(archive.bytes)
    }

    private mutating func addContents(of dir: String, shownAs shown: String, prefix: String, root: String, ancestors: Set<String>) throws(ArchiveError) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted() } catch {
            throw .unreadable(shown, (error as NSError).localizedDescription)
        }
        for name in names {
            let path = dir + "/" + name, shownPath = shown + "/" + name, entry = prefix + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw .unreadable(shownPath, String(cString: strerror(errno))) }
            var target = path
            if info.st_mode & S_IFMT == S_IFLNK {
                guard let resolved = Self.realPath(path) else { throw .danglingSymlink(shownPath) }
                guard resolved.hasPrefix(root + "/") else { throw .symlinkOutside(shownPath, target: resolved) }
                guard stat(resolved, &info) == 0 else { throw .danglingSymlink(shownPath) }
                target = resolved
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard !ancestors.contains(target) else { throw .symlinkLoop(shownPath) }
                try header(name: entry + "/", size: 0, mode: 0o755, type: UInt8(ascii: "5"), path: shownPath)
                try addContents(of: target, shownAs: shownPath, prefix: entry + "/", root: root, ancestors: ancestors.union([target]))
            case S_IFREG:
                try addFile(at: target, shownAs: shownPath, name: entry)
            default:
                throw .unsupported(shownPath, kind: Self.kindName(info.st_mode))
            }
        }
    }

    private mutating func addFile(at path: String, shownAs shown: String, name: String) throws(ArchiveError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(shown, (error as NSError).localizedDescription)
        }
        let executable = FileManager.default.isExecutableFile(atPath: path)
        try header(name: name, size: data.count, mode: executable ? 0o755 : 0o644, type: UInt8(ascii: "0"), path: shown)
        bytes.append(contentsOf: data)
        pad()
    }

    private mutating func header(name: String, size: Int, mode: Int, type: UInt8, path: String) throws(ArchiveError) {
        guard size < 1 << 33 else { throw .tooLarge(path) }
        let utf8 = Array(name.utf8)
        var nameField = utf8, prefixField: [UInt8] = []
        if utf8.count > 100 {
            // ustar splits a long path at a slash into prefix (155) and name (100); failing that, pax.
            let split = utf8.indices.reversed().first { utf8[$0] == UInt8(ascii: "/") && $0 <= 155 && utf8.count - $0 - 1 <= 100 && $0 > 0 }
            if let split, utf8.count - split - 1 > 0 {
                prefixField = Array(utf8[..<split]); nameField = Array(utf8[(split + 1)...])
            } else {
                let record = Self.paxRecord(key: "path", value: name)
                writeHeader(name: Array("PaxHeader/entry".utf8), prefix: [], size: record.count, mode: 0o644, type: UInt8(ascii: "x"))
                bytes.append(contentsOf: record); pad()
                nameField = Array(utf8.suffix(100)); prefixField = []
            }
        }
        writeHeader(name: nameField, prefix: prefixField, size: size, mode: mode, type: type)
    }

    private mutating func writeHeader(name: [UInt8], prefix: [UInt8], size: Int, mode: Int, type: UInt8) {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int) { block.replaceSubrange(offset..<offset + field.count, with: field) }
        func octal(_ value: Int, width: Int) -> [UInt8] {   // zero-padded digits, then NUL
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)       // uid
        put(octal(0, width: 8), at: 116)       // gid
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)      // mtime
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)   // checksum counts as spaces
        block[156] = type
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(prefix, at: 345)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        bytes.append(contentsOf: block)
    }

    /// "<length> key=value\n", where the length counts its own digits.
    static func paxRecord(key: String, value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n".utf8.count
        var length = body + String(body).count
        if String(length).count != String(body).count { length = body + String(length).count }
        return Array("\(length) \(key)=\(value)\n".utf8)
    }

    private mutating func pad() {
        let rest = bytes.count % 512
        if rest != 0 { bytes.append(contentsOf: repeatElement(0, count: 512 - rest)) }
    }

    private mutating func finish() { bytes.append(contentsOf: repeatElement(0, count: 1024)) }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "named pipe"
        case S_IFSOCK: return "socket"
        case S_IFCHR, S_IFBLK: return "device"
        default: return "special file"
        }
    }
}
