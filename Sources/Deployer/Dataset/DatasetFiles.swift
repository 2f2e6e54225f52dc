import Foundation

/// The file-system side of dataset loading: what a path is, directory listings in a fixed order,
/// file contents, and which names are images. Everything else works on names and bytes.
enum DatasetFiles {
    enum Kind { case missing, file, directory }

    /// Follows symbolic links, so a linked class folder counts as a folder.
    static func kind(of path: String) -> Kind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .file
    }

    /// Mapped when the system allows it: a 300 MB x.npy is then not copied into memory.
    static func read(_ path: String) throws(DatasetError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            if kind(of: path) == .missing { throw DatasetError(path, .notFound) }
            throw DatasetError(path, .unreadable(error.localizedDescription))
        }
    }

    /// The names in a directory in natural order (see `naturalOrder`), never the file system's.
    static func list(_ path: String) throws(DatasetError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted(by: naturalOrder)
        } catch {
            throw DatasetError(path, .unreadable(error.localizedDescription))
        }
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Dot files are never data: .DS_Store, macOS' "._A1.jpg" resource forks in zips made on a
    /// Mac, ".ipynb_checkpoints" (which torchvision's ImageFolder famously takes for a class).
    /// Nor is "__MACOSX", the folder such zips keep those forks in.
    static func isHidden(_ name: String) -> Bool { name.hasPrefix(".") || name == "__MACOSX" }

    enum Role: Equatable {
        case image
        case unsupportedImage(String)
        case other
    }

    /// By extension, case-insensitively. The content decides PNG versus JPEG later, because
    /// extensions lie (scraped datasets hold PNGs named .jpg); the extension only decides whether a
    /// file is meant as an image. Images in formats we do not decode are errors, not skipped:
    /// dropping them silently would change the test set.
    static func role(of name: String) -> Role {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return .other }
        let ext = name[name.index(after: dot)...].lowercased()
        switch ext {
        case "png", "jpg", "jpeg", "jpe", "jfif": return .image
        case "bmp", "gif", "webp", "tif", "tiff", "ppm", "pgm", "pbm", "pnm", "heic", "heif", "avif", "jp2":
            return .unsupportedImage(ext)
        default: return .other
        }
    }

    /// The name without its last extension: "A_test.jpg" -> "A_test".
    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// Natural order: runs of digits compare as numbers, so A2.jpg comes before A10.jpg as a person
    /// expects; everything else compares by Unicode scalar value, which does not depend on the
    /// locale. Names equal that way ("A01", "A1") fall back to plain scalar order, so the order is
    /// total and the same on every machine.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0, j = 0
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                let startI = i, startJ = j
                while i < x.count && isDigit(x[i]) { i += 1 }
                while j < y.count && isDigit(y[j]) { j += 1 }
                let digitsA = x[startI..<i].drop { $0 == "0" }, digitsB = y[startJ..<j].drop { $0 == "0" }
                if digitsA.count != digitsB.count { return digitsA.count < digitsB.count }
                for (p, q) in zip(digitsA, digitsB) where p != q { return p.value < q.value }
            } else {
                if x[i] != y[j] { return x[i].value < y[j].value }
                i += 1
                j += 1
            }
        }
        if (x.count - i) != (y.count - j) { return (x.count - i) < (y.count - j) }
        return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }
}
