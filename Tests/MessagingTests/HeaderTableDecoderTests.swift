@testable import Messaging
import Testing

/// The tolerant table decoder on tables no Swift publisher can send (names repeated, not UTF-8,
/// canonically equivalent): each entry a dictionary cannot hold as it came is left out and reported.
@Suite("Decoding header tables")
struct HeaderTableDecoderTests {
    private func entry(_ name: [UInt8], _ value: WireValue) -> WireTable.Entry { .init(name: name, value: value) }
    private func entry(_ name: String, _ value: WireValue) -> WireTable.Entry { .init(name: Array(name.utf8), value: value) }

    @Test func aRepeatedNameKeepsTheFirstEntryAndReportsTheSecond() {
        let (headers, defects) = HeaderTableDecoder.decode(WireTable(entries: [
            entry("k", .value(.int(1))), entry("k", .value(.int(2))),
        ]))
        #expect(headers == ["k": .int(1)])
        #expect(defects == [HeaderDefect(path: [], name: "k", problem: .duplicateName, value: .int(2))])
    }

    @Test func nfcAndNfdSpellingsOfOneNameCountAsARepeatedName() {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        #expect(Array(nfc.utf8) != Array(nfd.utf8))
        let (headers, defects) = HeaderTableDecoder.decode(WireTable(entries: [
            entry(nfc, .value(.string("nfc"))), entry(nfd, .value(.string("nfd"))),
        ]))
        #expect(headers.count == 1)
        #expect(headers.keys.first.map { Array($0.utf8) } == Array(nfc.utf8))
        #expect(defects.map(\.problem) == [.duplicateName])
    }

    @Test func aNameThatIsNotUTF8IsReportedNotRepaired() {
        let (headers, defects) = HeaderTableDecoder.decode(WireTable(entries: [
            entry([0x61, 0xFF], .value(.int(1))), entry("ok", .value(.bool(true))),
        ]))
        #expect(headers == ["ok": .bool(true)])
        #expect(defects == [HeaderDefect(path: [], name: "a\u{FFFD}", problem: .nameNotUTF8, value: .int(1))])
        #expect(defects.first?.description == "the header name \"a\u{FFFD}\" is not UTF-8")
    }

    @Test func entriesOfUnsupportedKindsAreDroppedWithoutMakingTheTableUndecodable() {
        let (headers, defects) = HeaderTableDecoder.decode(WireTable(entries: [
            entry("decimal", .unsupported), entry("list", .array([.unsupported, .value(.int(3))])),
        ]))
        #expect(headers == ["list": .array([.int(3)])])
        #expect(defects.isEmpty)
    }

    @Test func aNestedEmptyNameIsReportedWithItsPath() {
        let (headers, defects) = HeaderTableDecoder.decode(WireTable(entries: [
            entry("outer", .array([.table(WireTable(entries: [entry("", .value(.int(1)))]))])),
        ]))
        #expect(headers == ["outer": .array([.table([:])])])
        #expect(defects == [HeaderDefect(path: ["outer", "[0]"], name: "", problem: .emptyName, value: .int(1))])
        #expect(defects.first?.description == #"the entry name "" in header "outer" › [0] is empty"#)
    }

    @Test func anEntryNestedPastTheLimitIsLeftOutAndReportedAtItsHeader() {
        let (headers, defects) = HeaderTableDecoder.decode(WireTable(entries: [
            entry("deep", .array([.value(.int(1)), .table(WireTable(entries: [entry("k", .array([.tooDeep]))]))])),
            entry("keep", .value(.int(2))),
        ]))
        #expect(headers == ["keep": .int(2)])
        #expect(defects == [HeaderDefect(path: [], name: "deep", problem: .nestedTooDeep, value: nil)])
        #expect(defects.first?.description == #"the header name "deep" holds tables or arrays nested more than 32 levels deep"#)
    }
}
