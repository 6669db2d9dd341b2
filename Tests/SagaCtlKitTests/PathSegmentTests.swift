import Testing
@testable import SagaCtlKit

@Suite struct PathSegmentTests {
    @Test func unreservedCharactersStayAsTheyAre() {
        #expect(PathSegment.encode("Order-1_a.b~c") == "Order-1_a.b~c")
    }

    @Test func slashesSpacesAndReservedCharactersAreEncodedSoAnIdStaysOneSegment() {
        #expect(PathSegment.encode("a/b c?d%e+f#g") == "a%2Fb%20c%3Fd%25e%2Bf%23g")
    }

    @Test func everyUTF8ByteIsEncodedSoNFCAndNFDSpellingsStayApart() {
        #expect(PathSegment.encode("caf\u{E9}") == "caf%C3%A9")
        #expect(PathSegment.encode("cafe\u{301}") == "cafe%CC%81")
        #expect(PathSegment.encode("\u{FEFF}c-1") == "%EF%BB%BFc-1")
    }

    @Test func queryValuesAreEncodedLikePathSegments() {
        #expect(PathSegment.query([("parkedAfter", "2026-11-22T17:00:00+01:00"), ("eventType", "A B")])
            == "parkedAfter=2026-11-22T17%3A00%3A00%2B01%3A00&eventType=A%20B")
    }
}
