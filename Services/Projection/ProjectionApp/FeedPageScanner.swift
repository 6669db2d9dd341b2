import Foundation

/// Finds the events of a feed page, `{"events": [...], "nextPosition": n}`, as the byte ranges of
/// their own JSON, without decoding them: each event is decoded once, by its envelope, from the
/// exact bytes its source wrote (no re-encoding, so no string is altered on the way).
///
/// It checks the page's structure (an object, its keys, an array of objects, balanced brackets
/// and strings); what is inside each event is left to the envelope's decoder, which refuses
/// malformed JSON there. Members other than `events` and `nextPosition` are skipped.
struct FeedPageScanner {
    /// The events' byte ranges in `bytes`, in order, and `nextPosition` when it is an integer.
    struct Page {
        var events: [Range<Int>] = []
        var nextPosition: Int64?
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The page in `bytes`, or `nil` when they are not a JSON object with an `events` array of objects.
    static func scan(_ bytes: [UInt8]) -> Page? {
        var scanner = FeedPageScanner(bytes)
        return scanner.page()
    }

    private mutating func page() -> Page? {
        var page = Page()
        var sawEvents = false
        guard consume(UInt8(ascii: "{")) else { return nil }
        if !consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = string() else { return nil }
                guard consume(UInt8(ascii: ":")) else { return nil }
                if key.elementsEqual("events".utf8) {
                    guard !sawEvents, let events = objects() else { return nil }
                    page.events = events
                    sawEvents = true
                } else {
                    skipWhitespace()
                    let start = index
                    guard skipValue() else { return nil }
                    if key.elementsEqual("nextPosition".utf8) {
                        page.nextPosition = Int64(String(decoding: bytes[start..<index], as: UTF8.self))
                    }
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        skipWhitespace()
        return sawEvents && index == bytes.count ? page : nil
    }

    /// An array whose elements are all objects: their ranges.
    private mutating func objects() -> [Range<Int>]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var ranges: [Range<Int>] = []
        if consume(UInt8(ascii: "]")) { return ranges }
        repeat {
            skipWhitespace()
            let start = index
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{"), skipValue() else { return nil }
            ranges.append(start..<index)
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? ranges : nil
    }

    /// A string's raw bytes between its quotes (escapes left as they are).
    private mutating func string() -> ArraySlice<UInt8>? {
        skipWhitespace()
        let start = index + 1
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), skipString() else { return nil }
        return bytes[start..<(index - 1)]
    }

    /// Moves past one value: a string, an object or array with everything nested in it, or a scalar.
    private mutating func skipValue() -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var closers: [UInt8] = []
            repeat {
                guard index < bytes.count else { return false }
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"): closers.append(UInt8(ascii: "}"))
                case UInt8(ascii: "["): closers.append(UInt8(ascii: "]"))
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard closers.popLast() == bytes[index] else { return false }
                default: break
                }
                index += 1
            } while !closers.isEmpty
            return true
        default:
            let start = index
            while index < bytes.count, !Self.endsScalar(bytes[index]) { index += 1 }
            return index > start
        }
    }

    /// Moves past a string starting at its opening quote; `false` when it never closes.
    private mutating func skipString() -> Bool {
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""):
                index += 1
                return true
            default: index += 1
            }
        }
        return false
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
    }
}
