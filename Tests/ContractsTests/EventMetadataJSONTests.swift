import Contracts
import Foundation
import Testing

/// ``EventMetadata/jsonObject()`` writes what `JSONEncoder` writes, byte for byte.
@Suite struct EventMetadataJSONTests {
    private static let strings = [
        "o-1", "café", "cafe\u{301}", "a\"b", "back\\slash", "a/b", "tab\there", "line\nbreak", "\r\u{8}\u{C}",
        "\u{0}\u{1}\u{1F}\u{7F}", "\u{FEFF}bom", "\u{2028}\u{2029}", "emoji 🧾", String(repeating: "x", count: 128),
    ]

    @Test(arguments: strings)
    func theObjectIsWhatTheEncoderWrites(_ text: String) throws {
        for (causation, position) in [(text as String?, Int64(42) as Int64?), (nil, nil)] {
            let metadata = EventMetadata(
                eventId: text, eventType: "OrderPlaced", schemaVersion: 2, aggregateType: "Order", aggregateId: text,
                aggregateVersion: 7, occurredAt: Date(timeIntervalSince1970: 1_795_000_000.123), correlationId: text,
                causationId: causation, position: position
            )
            let expected = try JSONCoding.encoder().encode(metadata)
            #expect(String(decoding: metadata.jsonObject(), as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }
}
