import Contracts
import Testing

@Suite struct IdentifierTests {
    @Test(arguments: ["c-1", "café", "a b", "a/b", "ü", String(repeating: "x", count: 128), String(repeating: "é", count: 64)])
    func idsOfOneTo128BytesWithoutControlCharactersAreValid(_ id: String) {
        #expect(Identifier.problem(with: id) == nil)
    }

    @Test func anIdIsMeasuredInBytesNotCharacters() {
        // 65 two-byte characters: 65 characters, 130 bytes.
        let id = String(repeating: "é", count: 65)
        #expect(id.count == 65)
        #expect(Identifier.problem(with: id) == "must be at most 128 bytes of UTF-8, not 130")
        #expect(Identifier.problem(with: String(repeating: "x", count: 129)) != nil)
    }

    @Test(arguments: ["", "a\u{0}b", "line\nbreak", "tab\there", "del\u{7F}", "c1\u{85}"])
    func emptyIdsAndControlCharactersAreRefused(_ id: String) {
        #expect(Identifier.problem(with: id) != nil)
    }
}
