import STLink

/// Why a deployment step refused or failed. Wraps the lower layers' errors so the CLI prints one
/// message, and separates the user's mistakes from the bench's failures.
public enum DeployError: Error, Equatable, Sendable, CustomStringConvertible {
    case image(ImageError)
    case probe(ProbeOpenError)
    case link(STLinkError)
    case target(TargetError)
    case flash(FlashError)
    case unknownBoard(name: String, known: [String])
    /// The probe's target is not the chip of the board the user named.
    case wrongBoard(expected: String, board: String, found: String)

    public var description: String {
        switch self {
        case let .image(e): return e.description
        case let .probe(e): return e.description
        case let .link(e): return e.description
        case let .target(e): return e.description
        case let .flash(e): return e.description
        case let .unknownBoard(name, known):
            return "no board named '\(name)'; known boards: \(known.joined(separator: ", "))"
        case let .wrongBoard(expected, board, found):
            return "the probe is connected to an \(found), but board \(board) carries an \(expected); check which probe you chose (--probe SERIAL)"
        }
    }

    /// True for failures of the bench (probe, cable, board), false for the user's input (image,
    /// names). A scheduler retries the first kind on another board, never the second.
    public var isInfrastructure: Bool {
        switch self {
        case .image, .unknownBoard, .wrongBoard: return false
        case .flash(.outsideFlash), .flash(.overlapping): return false
        case .target(.unknownDevice), .target(.unsupported): return false
        default: return true
        }
    }
}
