/// Percent-decoding, byte for byte: of URL path segments (ids, docs/API.md) and of the user,
/// password and vhost of an AMQP URL.
///
/// Foundation's `removingPercentEncoding` drops a leading U+FEFF (it reads the decoded bytes as
/// text whose byte-order mark is a mark, not a character), so the id `%EF%BB%BFc-1` would
/// become `c-1`: another customer, and a broker password `%EF%BB%BFpw` another password. Ids
/// and credentials are byte strings, so this decoder keeps every byte.
public enum PercentDecoding {
    /// The decoded text, or `nil` when a `%` is not followed by two hex digits or the bytes are
    /// not UTF-8.
    public static func decode(_ text: some StringProtocol) -> String? {
        (try? decodeOrExplain(text).get())
    }

    /// Why `text` does not decode: an escape that is not `%` and two hex digits, or bytes that are not UTF-8.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// A `%` at this byte offset of the text is not followed by two hex digits. The escape
        /// itself is not kept: the text may be a password.
        case invalidEscape(offset: Int)
        case notUTF8

        public var description: String {
            switch self {
            case .invalidEscape(let offset):
                "the '%' at byte \(offset) is not followed by two hex digits"
            case .notUTF8:
                "the decoded bytes are not UTF-8"
            }
        }
    }

    /// The decoded text, or the reason it does not decode.
    public static func decodeOrExplain(_ text: some StringProtocol) -> Result<String, Failure> {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                index += 1
                continue
            }
            guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else {
                return .failure(.invalidEscape(offset: index))
            }
            bytes.append(high << 4 | low)
            index += 3
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(decoded)
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
