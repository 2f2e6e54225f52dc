import Foundation
import HilAPI
import HildStore

/// Turns a job's artifact ids into files a run can read: models, images and label maps are used
/// where the store keeps them; a dataset archive is unpacked once into datasets/<sha256>/ (through
/// a temporary folder and a rename, so a half-unpacked set never looks complete).
struct ArtifactFiles: Sendable {
    let store: any JobStore
    var datasetsDirectory: URL { store.directory.appendingPathComponent("datasets", isDirectory: true) }

    /// A path for an artifact that must exist with the kind the job says.
    func file(_ id: ArtifactID, kind: ArtifactKind, role: String) throws(JobInputError) -> String {
        let info: ArtifactInfo?
        do { info = try store.artifact(id) } catch { throw .unavailable("the store cannot look up \(role) \(id): \(error)") }
        guard let info else {
            throw .invalid("\(role) \(id.prefix(16))… is not stored on this bench (it may have been uploaded to another hild); upload it again with hilctl submit")
        }
        guard info.kind == kind else {
            throw .invalid("\(role) \(id.prefix(16))… was uploaded as a \(info.kind.rawValue), not a \(kind.rawValue)")
        }
        do { return try store.artifactFile(id).path } catch {
            throw .unavailable("\(role) \(id.prefix(16))… cannot be read from the store: \(error)")
        }
    }

    func dataset(_ id: ArtifactID) throws(JobInputError) -> String {
        let archive = try file(id, kind: .dataset, role: "dataset")
        let target = datasetsDirectory.appendingPathComponent(id, isDirectory: true)
        if FileManager.default.fileExists(atPath: target.path) { return target.path }
        let staging = datasetsDirectory.appendingPathComponent(".unpacking-\(id)-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch { throw .unavailable("cannot create \(staging.path): \(error.localizedDescription)") }
        defer { try? FileManager.default.removeItem(at: staging) }
        let names = try tar(["-tf", archive], role: "list")
        for name in names.split(separator: "\n") where !Self.isSafe(String(name)) {
            throw .invalid("the dataset archive \(id.prefix(16))… holds '\(name)', a path outside its folder; archive the folder's contents with relative paths (hilctl submit does)")
        }
        _ = try tar(["-xf", archive, "-C", staging.path, "--no-same-owner", "--no-same-permissions", "--no-overwrite-dir"], role: "unpack")
        do {
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            // Another job unpacked the same set meanwhile: theirs is as good as ours.
            if !FileManager.default.fileExists(atPath: target.path) {
                throw .unavailable("cannot move the unpacked dataset into \(target.path): \(error.localizedDescription)")
            }
        }
        return target.path
    }

    /// Unpacking folders a killed hild left behind (never under a final name): removed at start,
    /// before any job could be unpacking.
    func sweepStaging() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: datasetsDirectory.path)) ?? []
        for name in names where name.hasPrefix(".unpacking-") {
            try? FileManager.default.removeItem(at: datasetsDirectory.appendingPathComponent(name))
        }
    }

    static func isSafe(_ name: String) -> Bool {
        !name.hasPrefix("/") && !name.split(separator: "/").contains("..")
    }

    private func tar(_ arguments: [String], role: String) throws(JobInputError) -> String {
        do throws(DatasetArchive.Failure) {
            return String(decoding: try DatasetArchive.run(arguments), as: UTF8.self)
        } catch {
            guard error.refused else { throw .unavailable("cannot \(role) a dataset: \(error.description)") }
            if error.description.contains("No space left") {
                throw .unavailable("the disk under \(datasetsDirectory.path) is full: free space; the job is kept and retried")
            }
            throw .invalid("the dataset archive cannot be read by tar (\(error.description)); upload a tar of the dataset folder")
        }
    }
}

/// A job's inputs could not be made ready: the user's (`invalid`: never retried) or the bench's
/// (`unavailable`: disk, tools; retried).
enum JobInputError: Error, Sendable, CustomStringConvertible {
    case invalid(String)
    case unavailable(String)
    var description: String {
        switch self { case let .invalid(m), let .unavailable(m): return m }
    }
}
