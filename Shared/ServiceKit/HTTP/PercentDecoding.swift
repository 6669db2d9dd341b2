/// Percent-decoding of URL path segments, byte for byte.
///
/// Foundation's `removingPercentEncoding` drops a leading U+FEFF (it reads the decoded bytes as
/// text whose byte-order mark is a mark, not a character), so the id `%EF%BB%BFc-1` would
/// become `c-1`: another customer. Ids are byte strings (docs/API.md), so this decoder keeps
/// every byte.
enum PercentDecoding {
    /// The decoded text, or `nil` when a `%` is not followed by two hex digits or the bytes are
    /// not UTF-8.
    static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
