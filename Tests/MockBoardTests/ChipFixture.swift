import Foundation
import STLink
@testable import MockBoard

/// The F74x chip description from the repository's boards/ folder, as the mock board is meant to use it.
enum Fixture {
    static let chipFile: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("boards/chips/stm32f74x.json")

    static let chip: ChipDescription = {
        if let chip = try? ChipDescription.load(from: chipFile) { return chip }
        // STLink's loader decodes with .convertFromSnakeCase, which turns "size_kb" into "sizeKb",
        // not the "sizeKB" its properties are named: every chip file fails to load. Until that is
        // fixed in STLink (not ours to change), read a copy whose keys that strategy maps right.
        do {
            let text = try String(contentsOf: chipFile, encoding: .utf8)
                .replacingOccurrences(of: "\"size_kb\"", with: "\"size_k_b\"")
            let copy = FileManager.default.temporaryDirectory
                .appendingPathComponent("mockboard-stm32f74x-\(getpid()).json")
            try text.write(to: copy, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: copy) }
            return try ChipDescription.load(from: copy)
        } catch {
            fatalError("cannot load \(chipFile.path): \(error)")
        }
    }()
}
