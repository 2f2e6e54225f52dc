import Foundation
@testable import STLink

/// The repository's boards/ folder, found from this file.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let boards = root.appendingPathComponent("boards")
    static func chip(_ file: String = "stm32f74x") throws -> ChipDescription {
        try ChipDescription.load(from: boards.appendingPathComponent("chips/\(file).json"))
    }
}
