import Foundation
import Hummingbird
@testable import ProjectionApp
import ServiceKit
import Testing

/// ``OrderCursor``: the opaque `nextCursor` of `GET /orders`.
@Suite struct OrderCursorTests {
    @Test func aCursorReadsBackFromItsEncodingEvenWithAnIdHoldingTheSeparator() throws {
        let cursor = OrderCursor(createdAt: "2027-01-15T08:00:00.000Z", orderId: "o|1/ü")

        let read = try OrderCursor(cursor.encoded)

        #expect(read.createdAt == cursor.createdAt)
        #expect(read.orderId == cursor.orderId)
        #expect(!cursor.encoded.contains("=") && !cursor.encoded.contains("+") && !cursor.encoded.contains("/"), "URL-safe: \(cursor.encoded)")
    }

    @Test(arguments: ["%%%", "bm8tc2VwYXJhdG9y", "", "////"])
    func aCursorThisServiceDidNotIssueIsA400(_ encoded: String) {
        #expect {
            try OrderCursor(encoded)
        } throws: { error in
            (error as? APIError).map { $0.status == .badRequest && $0.code == "invalid_parameter" } ?? false
        }
    }
}
