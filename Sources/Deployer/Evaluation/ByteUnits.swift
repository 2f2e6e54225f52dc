import Foundation

/// Sizes as the board definitions give them: binary units, so "768.0 KB" is the model region
/// RM0385 and the linker script talk about, and a model of several megabytes reads as such.
public enum ByteUnits {
    public static func describe(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.2f MB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return String(format: "%.1f KB", Double(n) / 1024) }
        return "\(n) B"
    }
}
