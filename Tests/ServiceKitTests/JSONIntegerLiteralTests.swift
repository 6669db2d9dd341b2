import Foundation
@testable import ServiceKit
import Testing

/// Which numbers of a request body are not written as integers, and where they stand.
@Suite struct JSONIntegerLiteralTests {
    private func finding(_ json: String) -> JSONIntegerLiterals.Finding? {
        JSONIntegerLiterals.firstNonInteger(in: Data(json.utf8))
    }

    @Test func integerLiteralsPass() {
        #expect(finding(#"{"amount": 10000}"#) == nil)
        #expect(finding(#"{"a": -1, "b": [0, 12, -9223372036854775808], "c": {"d": 99999999999999999999}}"#) == nil)
        #expect(finding(#"{"a": true, "b": false, "c": null, "d": []}"#) == nil)
    }

    @Test func numbersInsideStringsAreText() {
        #expect(finding(#"{"sku": "1.5e3", "name": "a \"1.0\" b", "x.y": 1}"#) == nil)
    }

    @Test func aFractionOrAnExponentIsFoundWithItsPath() {
        #expect(finding(#"{"amount": 1.0}"#) == .init(path: "amount", literal: "1.0"))
        #expect(finding(#"{"items": [{"quantity": 1, "unitPrice": 1}, {"quantity": 2E0}]}"#) == .init(path: "items[1].quantity", literal: "2E0"))
        #expect(finding(#"{"a": {"b": [[1, 2], [3, 4e-1]]}}"#) == .init(path: "a.b[1][1]", literal: "4e-1"))
        #expect(finding(#"{"items": [], "extra": -0.0}"#) == .init(path: "extra", literal: "-0.0"))
        #expect(finding("1.5") == .init(path: "$", literal: "1.5"))
    }

    @Test func keysAreNamedAsTheClientMeantThem() {
        #expect(finding(#"{"caf\u00e9": 1.0}"#)?.path == "café")
        #expect(finding(#"{"a\"b": {"c": 1e1}}"#)?.path == #"a"b.c"#)
    }

    @Test func deepNestingCostsNoStack() {
        let depth = 200_000
        let json = String(repeating: "[", count: depth) + "1.0" + String(repeating: "]", count: depth)
        #expect(finding(json)?.literal == "1.0")
    }
}
