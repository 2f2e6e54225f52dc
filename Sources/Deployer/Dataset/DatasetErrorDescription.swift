/// The user-facing words for every `DatasetError`: which file, what is wrong, what to do.
extension DatasetError {
    public var description: String {
        let name = path.isEmpty ? "the dataset" : path
        switch reason {
        case .badSpec(let problem):
            return "cannot load \(name): the model's input description is unusable (\(problem)); "
                + "check the model's input tensor and its labels"
        case .badLimit(let limit):
            return "cannot load \(name) with a limit of \(limit) samples; give a limit of 1 or more"
        case .notFound:
            return "\(name) does not exist; check the path"
        case .unreadable(let why):
            return "\(name) cannot be read (\(why)); check the path and its permissions"
        case .notADataset:
            return "\(name) is a file but not a .npy array; give a folder of class folders, a folder of "
                + "<class>_test images, or a folder (or x.npy) with x.npy and y.npy"
        case .nothingRecognised(let skipped):
            return "\(name) holds no class folders, no PNG or JPEG images and no x.npy"
                + (skipped > 0 ? " (only \(skipped) other files)" : "") + "; see docs/datasets.md for the layouts"
        case .mixedLayout(let folder, let image):
            return "\(name) holds both class folders (such as \(folder)) and images at its top level "
                + "(such as \(image)), so it is neither an image folder nor a flat test folder; "
                + "move the loose images into their class folders or point at one kind"
        case .empty(let skipped):
            return "\(name) holds no samples" + (skipped > 0 ? " (\(skipped) non-image files were skipped)" : "")
                + "; check that the right folder or file was given"
        case .unknownClass(let className, let origin, let labels, let nestedHint):
            var text = "\(name): \(what(origin)) \"\(className)\" matches none of the model's labels "
                + "(\(list(labels))), even ignoring case; rename it, or map it with --label-map FILE "
                + "(lines of name=label)"
            if let nestedHint { text += "; if the classes are one level down, give \(nestedHint)" }
            return text
        case .ambiguousClass(let className, let origin, let candidates):
            return "\(name): \(what(origin)) \"\(className)\" matches several model labels when case is "
                + "ignored (\(list(candidates))); rename it to one of them exactly, or map it with --label-map FILE"
        case .mapTargetUnknown(let mapPath, let className, let target, let labels):
            return "\(mapPath) maps \"\(className)\" (used by \(name)) to \"\(target)\", which is not one of the "
                + "model's labels (\(list(labels))); the right side must be a model label, spelled exactly"
        case .badTestFileName:
            return "\(name) is not named <class>_test.<ext> as the files of a flat test folder must be "
                + "(such as A_test.jpg); rename it or move it out of the folder (if the folder holds the "
                + "images of one class, give the folder above it, whose subfolders are the classes)"
        case .unsupportedImageType(let ext):
            return "\(name) is a .\(ext) image, which hil does not decode; convert it to PNG or JPEG"
        case .notAnImage(let first):
            return "\(name) is named as an image but is neither PNG nor JPEG (it starts with \(bytes(first))); "
                + "re-download or re-encode it"
        case .corruptImage(let kind, let why):
            return "\(name) is a damaged \(kind.rawValue) (\(why)); re-download or re-encode it, or remove it"
        case .unsupportedImage(let kind, let what):
            return "\(name) is a \(kind.rawValue) in \(what), which hil does not convert; re-encode it as RGB or gray"
        case .imageTooLarge(let kind):
            return "\(name) is a \(kind.rawValue) of more than 100 million pixels, which hil refuses to decode; "
                + "shrink it or remove it"
        case .outOfMemory:
            return "\(name) could not be decoded: out of memory"
        case .npyNotNumpy(let first):
            return "\(name) is not a NumPy .npy file (it starts with \(bytes(first)) instead of \\x93NUMPY); "
                + "save the array with numpy.save"
        case .npyVersion(let major, let minor):
            return "\(name) is .npy format version \(major).\(minor); hil reads 1.0, 2.0 and 3.0, re-save it with numpy.save"
        case .npyHeader(let why):
            return "\(name) has a malformed .npy header (\(why)); the file is corrupt, re-save it with numpy.save"
        case .npyFortranOrder:
            return "\(name) is stored in Fortran (column-major) order, which hil does not read; "
                + "re-save it with numpy.save(path, numpy.ascontiguousarray(a))"
        case .npyDataSize(let expected, let actual):
            return "\(name) should hold \(expected) bytes of array data after its header but holds \(actual)"
                + (actual < expected ? " (truncated)" : "") + "; re-save it with numpy.save"
        case .npyInputDType(let descr):
            return "\(name) holds inputs of dtype '\(descr)'; hil takes uint8 (pixels), int8 (already quantised) "
                + "or float32 (real values): convert with a.astype(numpy.float32), or numpy.uint8 for pixels"
        case .npyInputShape(let found, let expected):
            var text = "\(name) has shape \(shape(found)) but the model takes (N, \(expected.map(String.init).joined(separator: ", "))) "
                + "or (N, \(expected[2]), \(expected[0]), \(expected[1]))"
            if expected[2] == 1 { text += " or (N, \(expected[0]), \(expected[1]))" }
            return text + "; resize the arrays to the model's input before saving them"
        case .npyAmbiguousLayout(let found, let expected):
            return "\(name) has shape \(shape(found)), which reads as N×H×W×C and as N×C×H×W for the model's "
                + "\(expected.map(String.init).joined(separator: "×")) input, and the model does not record its layout; "
                + "save it as N×H×W×C"
        case .npyFloatRange(let f):
            let hint = f.expectedHigh <= 1.5 && f.high > 2
                ? "store the pixels as uint8, or divide the array by 255"
                : "check that the array holds what the model was trained on, or store the pixels as uint8"
            return "\(name) holds float32 values from \(g(f.low)) to \(g(f.high)), but the model takes real values from "
                + "\(g(f.expectedLow)) to \(g(f.expectedHigh)) (\(f.what)): "
                + String(format: "%.1f", f.percentOutside) + " % of them lie outside; \(hint)"
        case .noPixelRange(let what):
            return "\(name) holds \(what), but the model records no pixel mapping (it was exported from float "
                + "inputs without --input-range): give --pixels unit, centered or raw, or a float32 or int8 .npy of its inputs"
        case .npyLabelDType(let descr):
            return "\(name) holds labels of dtype '\(descr)'; hil takes integer class indices or strings (dtype '<U'): "
                + "convert with y.astype(numpy.int64), or numpy.array(names, dtype=str)"
        case .npyLabelShape(let found):
            var text = "\(name) has shape \(shape(found)) but labels must be one value per sample, shape (N,)"
            if found.count == 2, found[1] == 1 {
                text += "; flatten it with y.ravel()"
            } else if found.count == 2 {
                text += "; if it is one-hot, save y.argmax(axis=1)"
            }
            return text
        case .npyNonFinite(let sample, let value):
            return "\(name) sample \(sample) holds \(value), which has no int8 value; fix or drop that sample"
        case .npyLabelOutOfRange(let sample, let value, let count):
            return "\(name) sample \(sample) has label \(value), but the model's labels are indices 0 to \(count - 1); "
                + "check that the labels belong to this model"
        case .npyBadString(let sample):
            return "\(name) sample \(sample) holds a label that is not valid text; re-save the labels"
        case .npyCountMismatch(let inputsPath, let inputs, let labels):
            return "\(inputsPath) holds \(inputs) samples but \(name) holds \(labels) labels; "
                + "save inputs and labels of the same samples"
        case .npyAmbiguousFiles(let files):
            return "\(name) holds several input arrays (\(files.joined(separator: ", "))); "
                + "give the path of the one to use"
        case .npyNoLabels(let tried):
            return "\(name) has no labels array next to it (looked for \(tried.joined(separator: ", "))); "
                + "save the labels with numpy.save('y.npy', y)"
        case .labelMapSyntax(let line, let why):
            return "\(name) line \(line): \(why); a label map is JSON {\"dataset name\": \"model label\"} "
                + "or lines of name=label"
        case .labelMapDuplicate(let className, let line, let firstLine):
            return "\(name) line \(line) maps \"\(className)\" again (first on line \(firstLine)); keep one"
        case .labelMapEmpty:
            return "\(name) maps nothing; give lines of name=label or JSON {\"dataset name\": \"model label\"}"
        }
    }

    private func what(_ origin: ClassOrigin) -> String {
        switch origin {
        case .folder: "the class folder"
        case .testFile: "the class"
        case .npyLabel(let sample): "sample \(sample)'s label"
        }
    }
}

// MARK: - Formatting helpers (private: other Deployer files must not collide with these short names)

/// Labels quoted and comma-separated; 29 ASL labels fit, a 1000-class model gets the first 40.
private func list(_ labels: [String]) -> String {
    let shown = labels.prefix(40).map { "\"\($0)\"" }.joined(separator: ", ")
    return labels.count > 40 ? shown + " and \(labels.count - 40) more" : shown
}

/// A figure as C's %.4g prints it (and Python's f"{v:.4g}", which the exporter's texts use).
private func g(_ value: Float) -> String { String(format: "%.4g", Double(value)) }

private func shape(_ dims: [Int]) -> String {
    dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
}

private func bytes(_ first: [UInt8]) -> String {
    guard !first.isEmpty else { return "nothing (it is empty)" }
    let digits = "0123456789ABCDEF".map { $0 }
    return first.map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined(separator: " ")
}
