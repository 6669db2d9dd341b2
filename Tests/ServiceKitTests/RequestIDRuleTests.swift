import Testing
@testable import ServiceKit

/// Which client request ids are kept as they are.
@Suite struct RequestIDRuleTests {
    @Test(arguments: ["a", "req-1", "9f1c2b7e-0d3a-4c55-9a51-1b2f0e6d7c88", String(repeating: "~", count: 128), "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"])
    func aSaneTokenIsKept(_ value: String) {
        #expect(RequestID.accepted(value) == value)
    }

    @Test(arguments: ["", " ", "two words", "tab\there", "new\nline", "é", String(repeating: "a", count: 129), "\u{7F}"])
    func anythingElseIsNot(_ value: String) {
        #expect(RequestID.accepted(value) == nil)
    }

    @Test func noHeaderIsNotKept() {
        #expect(RequestID.accepted(nil) == nil)
    }

    @Test func generatedIdsAreSaneAndDistinct() {
        let first = RequestID.generate()
        let second = RequestID.generate()
        #expect(RequestID.accepted(first) == first)
        #expect(first != second)
    }
}
