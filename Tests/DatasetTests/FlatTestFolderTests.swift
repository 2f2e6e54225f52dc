import Testing
@testable import Deployer

/// Kaggle's asl_alphabet_test layout: <class>_test.jpg side by side.
@Suite struct FlatTestFolderTests {
    @Test func classIsTheNameBeforeTheLastTest() throws {
        let dir = try TempDir()
        try dir.write("asl_alphabet_test/A_test.jpg", JPEGWriter.quadrants())
        try dir.write("asl_alphabet_test/nothing_test.jpg", JPEGWriter.quadrants())
        try dir.write("asl_alphabet_test/space_test.png", PNGWriter.solid(9, 9, 9))
        try dir.write("asl_alphabet_test/Z_test.JPEG", JPEGWriter.quadrants())
        try dir.write("asl_alphabet_test/.DS_Store", [1, 2])
        try dir.write("asl_alphabet_test/README.md", text: "one image per class")
        let data = try Dataset.load(path: dir.file("asl_alphabet_test"), spec: rawSpec())
        #expect(data.layout == .flatTest)
        #expect(data.samples.map(\.label) == [0, 25, 27, 28])
        #expect(data.samples[0].source == dir.file("asl_alphabet_test/A_test.jpg"))
        #expect(data.skippedFiles.count == 2)
        #expect(data.samples[3].input == Array(repeating: q(9), count: 12))
    }

    @Test(arguments: ["A.jpg", "A_test2.jpg", "_test.jpg", "Atest.png", "A_TEST.jpg"])
    func otherNamesAreErrors(name: String) throws {
        let dir = try TempDir()
        try dir.write("B_test.jpg", JPEGWriter.quadrants())
        try dir.write(name, JPEGWriter.quadrants())
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        #expect(error?.reason == .badTestFileName)
        expectNames(error, dir.file(name))
    }

    @Test func unknownClassNamesTheFile() throws {
        let dir = try TempDir()
        try dir.write("enter_test.jpg", JPEGWriter.quadrants())
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        guard case .unknownClass("enter", .testFile, _, nil)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        expectNames(error, dir.file("enter_test.jpg"))
    }

    @Test func labelMapAppliesToo() throws {
        let dir = try TempDir()
        try dir.write("blank_test.jpg", JPEGWriter.quadrants())
        let data = try Dataset.load(path: dir.path, spec: rawSpec(), labelMap: LabelMap(["blank": "nothing"]))
        #expect(data.samples.map(\.label) == [27])
    }
}
