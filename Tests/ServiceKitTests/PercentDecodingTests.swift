import PercentEncoding
import Testing

/// The one percent-decoder of path ids and AMQP URL credentials: every byte it names, kept.
@Suite struct PercentDecodingTests {
    @Test func everyEscapedByteIsKept() {
        #expect(PercentDecoding.decode("caf%C3%A9") == "café")
        #expect(PercentDecoding.decode("a%2Fb%25") == "a/b%")
        #expect(PercentDecoding.decode("%EF%BB%BFc-1").map { Array($0.utf8) } == [0xEF, 0xBB, 0xBF] + Array("c-1".utf8))
        #expect(PercentDecoding.decode("cafe%CC%81").map { Array($0.utf8) } == Array("cafe".utf8) + [0xCC, 0x81])
        #expect(PercentDecoding.decode("plain é") == "plain é")
        #expect(PercentDecoding.decode("") == "")
    }

    @Test func aBrokenEscapeSaysWhereWithoutRepeatingIt() {
        #expect(PercentDecoding.decodeOrExplain("ab%zz") == .failure(.invalidEscape(offset: 2)))
        #expect(PercentDecoding.decodeOrExplain("%4") == .failure(.invalidEscape(offset: 0)))
        #expect(PercentDecoding.decodeOrExplain("é%") == .failure(.invalidEscape(offset: 2)))
        #expect(PercentDecoding.decodeOrExplain("%C3") == .failure(.notUTF8))
        #expect(PercentDecoding.decode("%FF") == nil)
        #expect("\(PercentDecoding.Failure.invalidEscape(offset: 3))" == "the '%' at byte 3 is not followed by two hex digits")
    }
}
