import Testing
@testable import Deployer

/// The image-folder layout: classes by folder name, never by sort order.
@Suite struct ImageFolderTests {
    /// Each class gets its own colour, so a sample's pixels say which folder it came from.
    func colour(_ label: String) -> Int { 3 * (aslLabels.firstIndex(of: label)! + 1) }

    @Test func classesMatchByNameNotSortOrder() throws {
        let dir = try TempDir()
        // Folder sort order ("A", "B", "del", "nothing", "space", "Z") differs from the model's
        // label order (A…Z, del, nothing, space): Z must be 25, not 5.
        for label in ["A", "B", "del", "nothing", "space", "Z"] {
            let v = colour(label)
            try dir.write("asl_alphabet_train/\(label)/\(label)1.jpg", PNGWriter.solid(v, v, v))
        }
        let data = try Dataset.load(path: dir.file("asl_alphabet_train"), spec: rawSpec())
        #expect(data.layout == .imageFolder)
        #expect(data.samples.count == 6)
        for sample in data.samples {
            let v = colour(aslLabels[sample.label])
            #expect(sample.input == Array(repeating: q(v), count: 12), "\(sample.source)")
            #expect(sample.source.hasSuffix("/\(aslLabels[sample.label])/\(aslLabels[sample.label])1.jpg"))
        }
        #expect(data.samples.map(\.label) == [0, 1, 25, 26, 27, 28])
        #expect(data.classCounts.count == 29)
        #expect(data.classCounts[25] == 1 && data.classCounts[2] == 0)
    }

    @Test func caseInsensitiveMatchWhenNoExactOne() throws {
        let dir = try TempDir()
        try dir.write("a/1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("DEL/1.png", PNGWriter.solid(2, 2, 2))
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        #expect(data.samples.map(\.label) == [0, 26])
    }

    @Test func unknownFolderNamesItAndListsTheLabels() throws {
        let dir = try TempDir()
        try dir.write("A/1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("Ä/1.png", PNGWriter.solid(1, 1, 1))
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        #expect(error?.path == dir.file("Ä"))
        expectNames(error, dir.file("Ä"))
        #expect(error?.description.contains("\"A\", \"B\"") == true)
        #expect(error?.description.contains("\"nothing\", \"space\"") == true)
        #expect(error?.description.contains("--label-map") == true)
    }

    /// Kaggle's zip unpacks to asl_alphabet_train/asl_alphabet_train/A/…: say where to look.
    @Test func oneExtraLevelGetsAHint() throws {
        let dir = try TempDir()
        try dir.write("asl_alphabet_train/asl_alphabet_train/A/A1.jpg", PNGWriter.solid(1, 1, 1))
        let outer = dir.file("asl_alphabet_train")
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: outer, spec: rawSpec()) }
        #expect(error?.description.contains("if the classes are one level down, give \(outer)/asl_alphabet_train") == true)
    }

    @Test func ambiguousCaseInsensitiveMatch() throws {
        let dir = try TempDir()
        try dir.write("ab/1.png", PNGWriter.solid(1, 1, 1))
        let spec = rawSpec(labels: ["Ab", "aB"])
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: spec) }
        #expect(error?.reason == .ambiguousClass(name: "ab", origin: .folder, candidates: ["Ab", "aB"]))
        expectNames(error, dir.file("ab"))
    }

    @Test func nonImagesAreSkippedAndCounted() throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("A/.DS_Store", [0, 0, 0, 1])
        try dir.write("A/._A1.png", [0, 5, 22, 7])  // a macOS resource fork: hidden, not an image
        try dir.write("A/notes.txt", text: "taken at noon")
        try dir.write("README", text: "ASL")
        try dir.write(".ipynb_checkpoints/A1-checkpoint.png", PNGWriter.solid(1, 1, 1))
        try dir.write("__MACOSX/A/._A1.png", [0, 5, 22, 7])
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        #expect(data.samples.count == 1)
        #expect(Set(data.skippedFiles) == Set(["A/.DS_Store", "A/._A1.png", "A/notes.txt", "README", ".ipynb_checkpoints", "__MACOSX"].map(dir.file)))
    }

    @Test func subfoldersOfAClassBelongToIt() throws {
        let dir = try TempDir()
        try dir.write("B/day1/b.png", PNGWriter.solid(1, 1, 1))
        try dir.write("B/day2/deep/b.png", PNGWriter.solid(2, 2, 2))
        try dir.write("B/b.png", PNGWriter.solid(3, 3, 3))
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        #expect(data.samples.map(\.label) == [1, 1, 1])
        #expect(data.samples.map(\.source) == ["B/b.png", "B/day1/b.png", "B/day2/deep/b.png"].map(dir.file))
    }

    /// Natural order inside a class, then round-robin over classes in label order.
    @Test func orderInterleavesClassesAndLimitTakesAPrefix() throws {
        let dir = try TempDir()
        for n in [1, 2, 10, 3, 20] { try dir.write("A/A\(n).png", PNGWriter.solid(1, 1, 1)) }
        for n in [1, 2] { try dir.write("B/B\(n).png", PNGWriter.solid(2, 2, 2)) }
        for n in [1, 2, 3] { try dir.write("C/C\(n).png", PNGWriter.solid(3, 3, 3)) }
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        let names = data.samples.map { $0.source.split(separator: "/").last! }
        #expect(names == ["A1.png", "B1.png", "C1.png", "A2.png", "B2.png", "C2.png", "A3.png", "C3.png", "A10.png", "A20.png"])
        #expect(data.samples.map(\.index) == Array(0..<10))
        #expect(data.availableCount == 10)

        let four = try Dataset.load(path: dir.path, spec: rawSpec(), limit: 4)
        #expect(four.samples.map(\.source) == Array(data.samples.prefix(4).map(\.source)))
        #expect(Array(four.classCounts.prefix(3)) == [2, 1, 1])
        #expect(four.availableCount == 10)
        #expect(try Dataset.load(path: dir.path, spec: rawSpec(), limit: 100).samples.count == 10)
    }

    /// With a limit, only the chosen images are decoded: a broken image past the limit does not
    /// stop a quick run (its name is still checked).
    @Test func limitDecodesOnlyTheChosen() throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("A/A2.png", [0x89, 0x50, 0x4E, 0x47])
        #expect(try Dataset.load(path: dir.path, spec: rawSpec(), limit: 1).samples.count == 1)
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        expectNames(error, dir.file("A/A2.png"))
    }

    @Test func resizesAndConvertsToTheModelsInput() throws {
        let dir = try TempDir()
        // 4×4 gray -> a 2×2 RGB model: block means, replicated.
        try dir.write("A/g.png", PNGWriter.gray(width: 4, height: 4, [0, 10, 20, 30, 40, 50, 60, 70, 1, 2, 255, 255, 3, 4, 255, 255]))
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        #expect(data.samples[0].input == [25, 25, 25, 45, 45, 45, 3, 3, 3, 255, 255, 255].map(q))
        // The same file for a 1×1 gray model with unit pixels, scale 1/255, zero point -128.
        let unit = ModelInputSpec(height: 1, width: 1, channels: 1, scale: 1 / 255, zeroPoint: -128,
                                  labels: aslLabels, pixelRange: .unit)
        // Mean of all 16: 1310 / 16 = 81.875 -> 82 -> 82 - 128.
        #expect(try Dataset.load(path: dir.path, spec: unit).samples[0].input == [-46])
    }

    @Test func jpegsLoadToo() throws {
        let dir = try TempDir()
        try dir.write("C/q.jpg", JPEGWriter.quadrants())
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        let expected = JPEGWriter.quadrantColours.flatMap { $0 }.map { Int($0) }
        for (got, want) in zip(data.samples[0].input, expected) { #expect(abs(Int(got) + 128 - want) <= 2) }
    }

    @Test func symlinkLoopEnds() throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        try FileManagerLink.link(dir.file("A/loop"), to: dir.file("A"))
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        #expect(data.samples.count == 1)
    }
}
