// hil-fuzz: the fuzz targets of Sources/FuzzTargets as one program.
//
// Built by scripts/fuzz with `-sanitize=fuzzer,address -DHIL_FUZZ`, it is a libFuzzer binary
// whose target is named by HIL_FUZZ_TARGET (libFuzzer owns the command line). Built plainly, as
// `swift build` does, it replays files: `hil-fuzz TARGET FILE|DIR…` runs each input once and says
// what the parser made of it, which reproduces a crash without the sanitizer build.
import Foundation
import FuzzTargets

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

#if HIL_FUZZ
/// Read once, before libFuzzer's driver starts (main touches it first).
let selectedTarget: FuzzTarget = {
    let name = getenv("HIL_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        printError("hil-fuzz: set HIL_FUZZ_TARGET to one of \(names) (it is '\(name)')")
        exit(2)
    }
    return target
}()

/// The input callback; libFuzzer's archive references it by this name (its own main, which
/// SwiftPM's entry point replaces, would call it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = selectedTarget.run(bytes)
    return 0
}

// SwiftPM gives every executable an entry point of its own in place of libFuzzer's main, so main
// hands the command line to libFuzzer's driver with the callback.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct Fuzz {
    static func main() {
        _ = selectedTarget
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))
    }
}
#else
@main
struct Replay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "--list" {
            for t in FuzzTarget.allCases { print("\(t.rawValue)\t\(t.summary)") }
            return
        }
        if args.first == "--write-seeds", args.count == 2 {
            writeSeeds(into: args[1])
            return
        }
        guard let name = args.first, let target = FuzzTarget(rawValue: name), args.count > 1 else {
            printError("usage: hil-fuzz TARGET FILE|DIR…   (replays inputs; scripts/fuzz builds the libFuzzer binary)\n"
                       + "       hil-fuzz --list | --write-seeds CORPUS_DIR\ntargets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        var counts: [FuzzTarget.Outcome: Int] = [:]
        for path in args.dropFirst() {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    printError("hil-fuzz: cannot read \(file)")
                    exit(1)
                }
                let outcome = target.run([UInt8](data))
                counts[outcome, default: 0] += 1
                print("\(outcome == .accepted ? "accepted" : "rejected")\t\(file)")
            }
        }
        print("\(target.rawValue): \(counts[.accepted] ?? 0) accepted, \(counts[.rejected] ?? 0) rejected, no check failed")
    }

    /// The seeds built from hil's encoders, one folder per target (existing files are replaced).
    static func writeSeeds(into directory: String) {
        for target in FuzzTarget.allCases {
            let seeds = FuzzSeeds.seeds(for: target)
            guard !seeds.isEmpty else { continue }
            let folder = "\(directory)/\(target.rawValue)"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for seed in seeds {
                FileManager.default.createFile(atPath: "\(folder)/\(seed.name)", contents: Data(seed.bytes))
            }
            print("\(folder): \(seeds.count) seeds")
        }
    }

    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(path)/\($0)" }
    }
}
#endif
