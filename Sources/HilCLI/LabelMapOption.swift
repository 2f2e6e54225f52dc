import ArgumentParser
import Foundation

/// `--label-map FILE` (dataset class name → model label) was called `--labels`, the name
/// hil-export gives its one-label-per-line file: same name, different format. The old name still
/// works, with a warning, so scripts keep running while they move.
enum LabelMapOption {
    static func validate(_ labelMap: String?, old: String?) throws {
        if labelMap != nil && old != nil { throw ValidationError("give --label-map once; --labels is its old name") }
    }

    static func path(_ labelMap: String?, old: String?) -> String? {
        guard labelMap == nil, let old else { return labelMap }
        FileHandle.standardError.write(Data("hilctl: warning: --labels is now --label-map (a name=label map, not hil-export's one-label-per-line file); using \(old) as the label map\n".utf8))
        return old
    }
}
