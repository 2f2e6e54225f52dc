import CHilRuntime
import Foundation
import HilAPI

/// A file (or dataset folder) the job names, read and hashed locally.
struct LocalArtifact: Sendable {
    let kind: ArtifactKind
    /// The path as the user gave it, for messages.
    let path: String
    let bytes: Data
    let sha256: ArtifactID

    init(kind: ArtifactKind, path: String, bytes: Data) {
        self.kind = kind; self.path = path; self.bytes = bytes
        sha256 = Self.sha256(bytes)
    }

    /// A model, firmware or label file as it is; a dataset as a tar archive (folder or single file).
    static func read(kind: ArtifactKind, path: String) throws(SubmitInputError) -> LocalArtifact {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missing(kind, path)
        }
        guard FileManager.default.isReadableFile(atPath: path) else { throw .unreadable(kind, path, "permission denied") }
        let url = URL(fileURLWithPath: path)
        if kind == .dataset {
            do {
                let archive = isDirectory.boolValue ? try TarArchive.folder(url) : try TarArchive.file(url)
                return LocalArtifact(kind: kind, path: path, bytes: archive)
            } catch { throw .archive(error) }
        }
        guard !isDirectory.boolValue else { throw .unreadable(kind, path, "it is a folder, not a file") }
        do { return LocalArtifact(kind: kind, path: path, bytes: try Data(contentsOf: url)) } catch {
            throw .unreadable(kind, path, (error as NSError).localizedDescription)
        }
    }

    static func sha256(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { raw in
            hil_sha256(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &digest)
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// A file named on `hilctl submit` that cannot be sent.
enum SubmitInputError: Error, Equatable, CustomStringConvertible {
    case missing(ArtifactKind, String)
    case unreadable(ArtifactKind, String, String)
    case archive(ArchiveError)

    var description: String {
        switch self {
        case .missing(let kind, let path): return "the \(kind.rawValue) \(path) does not exist; check the --\(kind.rawValue) path"
        case .unreadable(let kind, let path, let reason): return "cannot read the \(kind.rawValue) \(path) (\(reason))"
        case .archive(let error): return "cannot pack the dataset: \(error)"
        }
    }
}

extension HildClient {
    /// Uploads the artifact unless hild already holds those bytes (content addressing makes a
    /// re-run of the same model and dataset cost one small GET each). Returns its id.
    func ensure(_ artifact: LocalArtifact, note: @Sendable (String) -> Void) async throws(ClientError) -> ArtifactID {
        let short = artifact.sha256.prefix(12)
        if try await self.artifact(artifact.sha256) != nil {
            note("\(artifact.kind.rawValue) \(artifact.path): already on hild (\(short))")
            return artifact.sha256
        }
        note("\(artifact.kind.rawValue) \(artifact.path): uploading \(ByteCountFormatter.string(fromByteCount: Int64(artifact.bytes.count), countStyle: .file)) (\(short))")
        let info = try await putArtifact(kind: artifact.kind, bytes: artifact.bytes)
        guard info.id == artifact.sha256 else {
            throw .protocolError("hild stored the \(artifact.kind.rawValue) \(artifact.path) as \(info.id), but its SHA-256 is \(artifact.sha256)")
        }
        return info.id
    }
}
