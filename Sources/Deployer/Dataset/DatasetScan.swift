import Foundation

/// What a dataset directory holds, found from its listing alone: which layout, and for image
/// layouts every image with its class. Nothing is decoded here.
enum DatasetScan {
    case numpy(inputs: String)
    case images(DatasetLayout, files: [(label: Int, path: String)], skipped: [String])

    /// A directory with an inputs array (x.npy, inputs.npy, images.npy) is NumPy, whatever else it
    /// holds. Otherwise, subfolders make an image folder and images at the top level make a flat
    /// test folder; both at once is refused, as loose images would be silently dropped or
    /// misread. Hidden names and non-image files at the top level are skipped.
    static func scan(_ root: String, resolver: ClassResolver) throws(DatasetError) -> DatasetScan {
        let names = try DatasetFiles.list(root)
        if let inputs = try NumpyDataset.inputsFile(in: root, names: names) { return .numpy(inputs: inputs) }

        var folders: [String] = [], images: [String] = [], skipped: [String] = []
        for name in names {
            let path = DatasetFiles.join(root, name)
            if DatasetFiles.isHidden(name) {
                skipped.append(path)
            } else if DatasetFiles.kind(of: path) == .directory {
                folders.append(name)
            } else if DatasetFiles.role(of: name) == .other {
                skipped.append(path)
            } else {
                images.append(name)
            }
        }
        if let folder = folders.first, let image = images.first {
            throw DatasetError(root, .mixedLayout(folder: folder, image: image))
        }
        if !folders.isEmpty { return try imageFolder(root, folders: folders, skipped: skipped, resolver: resolver) }
        if !images.isEmpty { return try flatTest(root, images: images, skipped: skipped, resolver: resolver) }
        throw DatasetError(root, .nothingRecognised(skipped: skipped.count))
    }

    /// Each folder's name is its class (`ClassResolver`); its images are all the image files
    /// below it, subfolders included (as torchvision's ImageFolder walks them), in natural order
    /// of their path inside the folder.
    private static func imageFolder(_ root: String, folders: [String], skipped: [String],
                                    resolver: ClassResolver) throws(DatasetError) -> DatasetScan {
        // Kaggle's archive unpacks to asl_alphabet_train/asl_alphabet_train/A/...: one folder that
        // is no class but holds folders. Say where the classes probably are.
        var hint: String?
        if folders.count == 1 {
            let only = DatasetFiles.join(root, folders[0])
            let inner = (try? DatasetFiles.list(only)) ?? []
            if inner.contains(where: { !DatasetFiles.isHidden($0) && DatasetFiles.kind(of: DatasetFiles.join(only, $0)) == .directory }) {
                hint = only
            }
        }
        var files: [(label: Int, path: String)] = []
        var skipped = skipped
        var visited = Set<String>()
        for folder in folders {
            let path = DatasetFiles.join(root, folder)
            let label = try resolver.resolve(folder, origin: .folder, path: path, nestedHint: hint)
            try walk(path, label: label, into: &files, skipped: &skipped, visited: &visited)
        }
        guard !files.isEmpty else { throw DatasetError(root, .empty(skipped: skipped.count)) }
        return .images(.imageFolder, files: files, skipped: skipped)
    }

    /// Symbolic links are followed, but each real directory is walked once, so a link loop ends.
    private static func walk(_ directory: String, label: Int, into files: inout [(label: Int, path: String)],
                             skipped: inout [String], visited: inout Set<String>) throws(DatasetError) {
        guard visited.insert(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path).inserted else { return }
        for name in try DatasetFiles.list(directory) {
            let path = DatasetFiles.join(directory, name)
            if DatasetFiles.isHidden(name) {
                skipped.append(path)
            } else if DatasetFiles.kind(of: path) == .directory {
                try walk(path, label: label, into: &files, skipped: &skipped, visited: &visited)
            } else {
                switch DatasetFiles.role(of: name) {
                case .image: files.append((label, path))
                case .unsupportedImage(let ext): throw DatasetError(path, .unsupportedImageType(ext))
                case .other: skipped.append(path)
                }
            }
        }
    }

    /// <class>_test.<ext>: the class is the name before its extension minus the final "_test"
    /// ("nothing_test.jpg" is "nothing"). Any image not named so is an error: it is not obvious
    /// what its class is, and guessing would corrupt the accuracy.
    private static func flatTest(_ root: String, images: [String], skipped: [String],
                                 resolver: ClassResolver) throws(DatasetError) -> DatasetScan {
        var files: [(label: Int, path: String)] = []
        for name in images {
            let path = DatasetFiles.join(root, name)
            if case .unsupportedImage(let ext) = DatasetFiles.role(of: name) {
                throw DatasetError(path, .unsupportedImageType(ext))
            }
            let stem = DatasetFiles.stem(name)
            guard stem.hasSuffix("_test"), stem.count > 5 else { throw DatasetError(path, .badTestFileName) }
            let label = try resolver.resolve(String(stem.dropLast(5)), origin: .testFile, path: path)
            files.append((label, path))
        }
        return .images(.flatTest, files: files, skipped: skipped)
    }
}
