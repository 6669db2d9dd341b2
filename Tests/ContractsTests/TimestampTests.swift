import Contracts
import Foundation
import Testing

/// The hand-written path of ``Timestamp`` against Foundation's ISO 8601 format style, the reference.
@Suite struct TimestampTests {
    private static let referenceWithFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let referenceWithoutFraction = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// Years 1583 to 9999 (Gregorian for Foundation too) in milliseconds from 1970, drawn with a fixed seed.
    private static func randomMilliseconds(count: Int) -> [Int64] {
        var generator = SplitMix64(seed: 0x5EED)
        let low: Int64 = -12_212_553_600_000, high: Int64 = 253_402_300_799_999
        return (0..<count).map { _ in low + Int64(generator.next() % UInt64(high - low)) }
            + [0, -1, 1, 951_782_400_000, 4_107_542_400_000, low, high]  // the epoch, either side, 2000-02-29, 2100-02-28…
    }

    @Test func formatWritesWhatFoundationWrites() {
        for milliseconds in Self.randomMilliseconds(count: 20_000) {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
            let seconds = (Double(milliseconds) / 1_000).rounded(.down)
            var expected = Self.referenceWithoutFraction.format(Date(timeIntervalSince1970: seconds))
            expected.removeLast()
            let fraction = String(milliseconds - Int64(seconds) * 1_000)
            expected += "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
            #expect(Timestamp.format(date) == expected, "\(milliseconds)")
        }
    }

    @Test func parseReadsWhatFoundationReads() throws {
        for milliseconds in Self.randomMilliseconds(count: 20_000) {
            let text = Timestamp.format(Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
            let reference = try Self.referenceWithFraction.parse(text)
            let parsed = try #require(Timestamp.parse(text))
            #expect(abs(parsed.timeIntervalSince(reference)) < 1e-4, "\(text)")
            #expect(Timestamp.format(parsed) == text)
        }
    }

    @Test(arguments: ["2026-11-22T17:00:00Z", "2026-11-22T17:00:00.5Z", "2026-11-22T17:00:00.123456789Z", "2024-02-29T23:59:59.999Z"])
    func parseReadsAnyNumberOfFractionDigits(_ text: String) throws {
        let reference = try (try? Self.referenceWithFraction.parse(text)) ?? Self.referenceWithoutFraction.parse(text)
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince(reference)) < 1e-6)
    }

    @Test(arguments: ["", "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T17:00:00", "2026-11-22 17:00:00Z", "not a time"])
    func whatIsNotATimeIsNil(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func aYearBeforeTheGregorianCalendarIsLeftToFoundation() throws {
        let text = "1461-11-11T12:13:38.323Z"
        let reference = try Self.referenceWithFraction.parse(text)
        #expect(Timestamp.parse(text) == reference)
    }

    @Test func anOffsetIsStillUnderstood() throws {
        let parsed = try #require(Timestamp.parse("2026-11-22T18:00:00+01:00"))
        #expect(Timestamp.format(parsed) == "2026-11-22T17:00:00.000Z")
    }
}

/// A small deterministic generator (SplitMix64), so the drawn times are the same every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
