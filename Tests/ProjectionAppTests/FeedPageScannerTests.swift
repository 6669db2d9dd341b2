@testable import ProjectionApp
import Testing

/// ``FeedPageScanner``: the byte ranges of a page's events, whatever their strings hold.
@Suite struct FeedPageScannerTests {
    private static func events(_ page: String) -> [String]? {
        let bytes = Array(page.utf8)
        return FeedPageScanner.scan(bytes)?.events.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func eventsAreTheirExactBytesWhateverTheirStringsHold() {
        let tricky = #"{"id":"a\"}],{[b","nested":{"list":[1,{"x":"]"}]},"bom":"\#u{FEFF}x"}"#
        let page = " {\n \"nextPosition\" : 12 ,\"events\" :[ \(tricky) , {} ], \"other\": [\"]\", {\"}\": null}]\t}\n"
        #expect(Self.events(page) == [tricky, "{}"])
        #expect(FeedPageScanner.scan(Array(page.utf8))?.nextPosition == 12)
    }

    @Test func aNextPositionThatIsNotAnIntegerIsNone() {
        #expect(FeedPageScanner.scan(Array(#"{"events": [], "nextPosition": null}"#.utf8))?.nextPosition == nil)
        #expect(FeedPageScanner.scan(Array(#"{"events": [], "nextPosition": "7"}"#.utf8))?.nextPosition == nil)
    }

    @Test(arguments: [
        "", "{}", "[]", #"{"events": {}}"#, #"{"events": [1]}"#, #"{"events": ["{}"]}"#, #"{"events": [{}"#,
        #"{"events": [{"a": "}]}"#, #"{"events": [{]}"#, #"{"events": [], "events": []}"#, #"{"events": []} x"#,
        #"{"events": [{}] "nextPosition": 1}"#, #"{"events": [{},]}"#, #"{"events": [{"a": [}]}]}"#,
    ])
    func whatIsNotAPageOfObjectsIsRefused(_ page: String) {
        #expect(FeedPageScanner.scan(Array(page.utf8)) == nil)
    }
}
