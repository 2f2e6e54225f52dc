import Foundation
import STLink
@testable import MockBoard

/// The F74x chip description from the repository's boards/ folder, as the mock board uses it.
enum Fixture {
    static let chipFile: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("boards/chips/stm32f74x.json")

    static let chip: ChipDescription = {
        do { return try ChipDescription.load(from: chipFile) } catch {
            fatalError("cannot load \(chipFile.path): \(error)")
        }
    }()
}
