import Foundation

/// The chip descriptions in a `boards/` folder (its `chips/` subfolder).
public struct ChipCatalog: Sendable {
    public let chips: [ChipDescription]
    /// DEV_IDs of STM32 families with no description (`chips/others/dev-ids.json`), so that an
    /// unsupported chip is named in an error instead of shown as a number.
    public let otherDevices: [UInt32: String]

    public init(chips: [ChipDescription], otherDevices: [UInt32: String] = [:]) {
        self.chips = chips
        self.otherDevices = otherDevices
    }

    /// Loads every `*.json` in `boardsDirectory/chips`, in name order.
    public init(boardsDirectory: URL) throws {
        let folder = boardsDirectory.appendingPathComponent("chips")
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw BoardDataError.notFound(what: "chip descriptions", searched: [folder.path])
        }
        chips = try names.filter { $0.hasSuffix(".json") }.sorted().map {
            try ChipDescription.load(from: folder.appendingPathComponent($0))
        }
        otherDevices = ChipCatalog.loadOtherDevices(folder.appendingPathComponent("others/dev-ids.json"))
    }

    /// The name table; a missing or unreadable one only costs the names in messages.
    static func loadOtherDevices(_ url: URL) -> [UInt32: String] {
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let table = object["dev_ids"] as? [String: String] else { return [:] }
        var names: [UInt32: String] = [:]
        for (key, name) in table { if let id = HexNumber.parse(key) { names[id] = name } }
        return names
    }

    public func chip(devID: UInt32) -> ChipDescription? {
        chips.first { $0.devId.value == devID & 0xFFF }
    }

    public func chip(named name: String) -> ChipDescription? {
        chips.first { $0.name == name || $0.parts.contains(name) }
    }
}

/// Where the `boards/` folder is: `$HIL_BOARDS`, else `./boards`, else next to the executable's
/// build folder (…/.build/debug/hilctl → the repository), else /usr/share/hil/boards.
public enum BoardsDirectory {
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String = CommandLine.arguments.first ?? "") throws -> URL {
        var candidates: [URL] = []
        if let explicit = environment["HIL_BOARDS"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("boards"))
        if !executable.isEmpty {
            var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(dir.appendingPathComponent("boards"))
                dir = dir.deletingLastPathComponent()
            }
        }
        candidates.append(URL(fileURLWithPath: "/usr/share/hil/boards"))
        for candidate in candidates {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("chips").path, isDirectory: &isDir), isDir.boolValue {
                return candidate
            }
        }
        throw BoardDataError.notFound(what: "boards/ folder", searched: candidates.map(\.path))
    }
}
