import Testing
@testable import Deployer

/// --label-map FILE: JSON or name=label lines, explicit, checked against the model.
@Suite struct LabelMapTests {
    func parse(_ text: String) throws(DatasetError) -> LabelMap {
        try LabelMap.parse(Array(text.utf8), path: "map.txt")
    }

    @Test func textLines() throws {
        let map = try parse("# dataset -> model\n\n letter_a = A \r\nblank=nothing\rodd=name=space\n")
        #expect(map.entries == ["letter_a": "A", "blank": "nothing", "odd": "name=space"])
    }

    @Test func json() throws {
        let map = try parse(" {\n  \"letter_a\": \"A\",\n  \"caf\\u00e9\": \"B\", \"x\\\"y\": \"del\", \"\\ud83d\\ude00\": \"C\"\n}\n")
        #expect(map.entries == ["letter_a": "A", "café": "B", "x\"y": "del", "😀": "C"])
    }

    @Test func byteOrderMarkIsIgnored() throws {
        #expect(try LabelMap.parse([0xEF, 0xBB, 0xBF] + Array("a=A".utf8), path: "bom.txt").entries == ["a": "A"])
    }

    @Test(arguments: [
        ("a=A\nb\n", DatasetError.Reason.labelMapSyntax(line: 2, "\"b\" has no '='")),
        ("a=A\n =B\n", .labelMapSyntax(line: 2, "\"=B\" has an empty side")),
        ("a=A\n# c\na = B\n", .labelMapDuplicate(name: "a", line: 3, firstLine: 1)),
        ("# nothing\n\n", .labelMapEmpty),
        ("{}", .labelMapEmpty),
        ("{\"a\": \"A\",\n \"a\": \"B\"}", .labelMapDuplicate(name: "a", line: 2, firstLine: 1)),
        ("{\"a\": 3}", .labelMapSyntax(line: 1, "the value of \"a\" must be a model label in quotes")),
        ("{\"a\": \"A\"\n\"b\": \"B\"}", .labelMapSyntax(line: 2, "expected ',' or '}' but found '\"'")),
        ("{\"a\": \"A\"", .labelMapSyntax(line: 1, "the object is not closed with '}'")),
        ("{\"a\": \"A\"} x", .labelMapSyntax(line: 1, "unexpected 'x' after the object")),
        ("{\"a\\q\": \"A\"}", .labelMapSyntax(line: 1, "unknown escape '\\q'")),
    ])
    func malformedMapsNameFileAndLine(text: String, reason: DatasetError.Reason) {
        let error = loadError { () throws(DatasetError) in _ = try parse(text) }
        #expect(error?.reason == reason)
        expectNames(error, "map.txt")
    }

    @Test func notUTF8() {
        let error = loadError { () throws(DatasetError) in _ = try LabelMap.parse([0x61, 0x3D, 0xFF], path: "bin.txt") }
        #expect(error?.reason == .labelMapSyntax(line: 1, "it is not UTF-8 text"))
    }

    @Test func loadFromFile() throws {
        let dir = try TempDir()
        let path = try dir.write("labels.json", text: "{\"letter_a\": \"A\"}")
        #expect(try LabelMap.load(path: path) == LabelMap(["letter_a": "A"], path: path))
        let missing = loadError { () throws(DatasetError) in _ = try LabelMap.load(path: dir.file("nope.txt")) }
        #expect(missing?.reason == .notFound)
        expectNames(missing, dir.file("nope.txt"))
    }

    /// The map is consulted first, even over an exact match; unmapped names match as usual.
    @Test func mapOverridesAndMixesWithMatching() throws {
        let dir = try TempDir()
        try dir.write("letter_a/1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("B/1.png", PNGWriter.solid(2, 2, 2))
        try dir.write("C/1.png", PNGWriter.solid(3, 3, 3))
        let map = LabelMap(["letter_a": "A", "C": "D"])
        let data = try Dataset.load(path: dir.path, spec: rawSpec(), labelMap: map)
        #expect(data.samples.map(\.label) == [0, 1, 3])
        #expect(data.samples.map { $0.input[0] } == [1, 2, 3].map(q))
    }

    @Test func targetMustBeAModelLabel() throws {
        let dir = try TempDir()
        try dir.write("letter_a/1.png", PNGWriter.solid(1, 1, 1))
        let map = LabelMap(["letter_a": "a"], path: "mine.txt")
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec(), labelMap: map) }
        #expect(error?.reason == .mapTargetUnknown(mapPath: "mine.txt", name: "letter_a", target: "a", labels: aslLabels))
        expectNames(error, "mine.txt")
        expectNames(error, dir.file("letter_a"))
    }
}
