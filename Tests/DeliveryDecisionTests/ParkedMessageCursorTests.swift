import Contracts
import Foundation
@testable import EventStore
import Testing

/// ``ParkedMessageCursor``: the opaque `nextCursor` of the dead-letter listing.
@Suite struct ParkedMessageCursorTests {
    @Test func aCursorReadsBackFromItsToken() throws {
        let cursor = ParkedMessageCursor(parkedAt: Timestamp.format(Date(timeIntervalSince1970: 1_800_000_000)), sequence: 42)

        let token = cursor.token

        #expect(ParkedMessageCursor(token: token) == cursor)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, "URL-safe without escaping: \(token)")
    }

    @Test(arguments: [
        "not-a-cursor",
        "",
        String(repeating: "A", count: 201),
        Data("0|2027-01-15T08:00:00.000Z".utf8).base64EncodedString(),
        Data("x|2027-01-15T08:00:00.000Z".utf8).base64EncodedString(),
        Data("5|yesterday".utf8).base64EncodedString(),
        Data("5".utf8).base64EncodedString(),
    ])
    func aTokenThisEndpointDidNotIssueIsRefused(_ token: String) {
        #expect(ParkedMessageCursor(token: token) == nil)
    }
}
