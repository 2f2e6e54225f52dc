import Testing
@testable import HilCLI

@Suite struct ClientSSEParserTests {
    func parse(_ chunks: [String]) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        return chunks.flatMap { parser.feed(Array($0.utf8)) }
    }

    @Test func anEventWithIdKindAndDataIsDispatchedOnTheBlankLine() {
        let events = parse(["id: 3\nevent: progress\ndata: {\"seq\":3}\n\n"])
        #expect(events == [ServerSentEvent(id: "3", event: "progress", data: "{\"seq\":3}")])
    }

    @Test func multiLineDataIsJoinedWithNewlines() {
        let events = parse(["data: first\ndata:second\ndata:  third\n\n"])
        // One space after the colon is dropped, a second one is data.
        #expect(events.map(\.data) == ["first\nsecond\n third"])
        #expect(events.first?.event == "message")
    }

    @Test func commentsAreCountedButCarryNoEvent() {
        var parser = ServerSentEventParser()
        let events = parser.feed(Array(": keep-alive\n\n: keep-alive\ndata: x\n\n".utf8))
        #expect(events == [ServerSentEvent(data: "x")])
        #expect(parser.comments == 2)
    }

    @Test func crlfAndBareCRLineEndsWork() {
        #expect(parse(["id: 1\r\nevent: log\r\ndata: a\r\n\r\n"]) == [ServerSentEvent(id: "1", event: "log", data: "a")])
        #expect(parse(["data: a\rdata: b\r\r"]) == [ServerSentEvent(data: "a\nb")])
    }

    @Test func chunksSplitAnywhereGiveTheSameEvents() {
        let stream = "id: 7\r\nevent: finished\r\ndata: {\"state\":\"passed\",\"message\":\"ok ✓\"}\r\n\r\n: keep-alive\r\n\r\nid: 8\ndata: z\n\n"
        let whole = parse([stream])
        #expect(whole.count == 2)
        let bytes = Array(stream.utf8)
        // Every split point, including inside the CRLF pair and inside the UTF-8 of "✓".
        for cut in 1..<bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...])
            #expect(events == whole, "split at byte \(cut)")
        }
        // And byte by byte.
        var parser = ServerSentEventParser()
        #expect(bytes.flatMap { parser.feed([$0]) } == whole)
    }

    @Test func theIdPersistsAcrossEventsUntilChanged() {
        let events = parse(["id: 5\ndata: a\n\ndata: b\n\nid: 6\ndata: c\n\n"])
        #expect(events.map(\.id) == ["5", "5", "6"])
    }

    @Test func anEventWithoutDataIsNotDispatchedAndAnUnfinishedOneIsDropped() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("event: ping\n\nretry: 1500\ndata: late".utf8)).isEmpty)
        parser.finish()
        #expect(parser.feed(Array("data: next\n\n".utf8)) == [ServerSentEvent(data: "next")])
    }

    @Test func retryIsReadAndFieldsWithoutColonAreNames() {
        let events = parse(["retry: 1500\ndata\n\n"])
        #expect(events == [ServerSentEvent(data: "", retry: 1500)])
    }
}
