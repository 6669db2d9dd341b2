/// The contract's rule for every id (order, customer, SKU, event, correlation): 1 to 128 bytes of
/// UTF-8 without control characters. Spaces, slashes and any other printable character are
/// allowed; in a URL path an id is percent-encoded.
public enum Identifier {
    /// The longest id, in bytes of UTF-8.
    public static let maxBytes = 128

    /// Why `value` is not a valid id, as the end of a sentence ("must not be empty"); `nil` when it is valid.
    public static func problem(with value: String) -> String? {
        let bytes = value.utf8.count
        if bytes == 0 { return "must not be empty" }
        if bytes > maxBytes { return "must be at most \(maxBytes) bytes of UTF-8, not \(bytes)" }
        if containsControlCharacters(value) { return "must not contain control characters" }
        return nil
    }

    /// Whether `value` holds a control character (Unicode category Cc: U+0000–U+001F, U+007F–U+009F).
    public static func containsControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Whether two ids are the same id: the same bytes. Swift's `==` would also call two
    /// canonically equivalent spellings (`café` in NFC and in NFD) equal; ids compare by bytes.
    public static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// Whether `value` is a valid id.
    public static func isValid(_ value: String) -> Bool { problem(with: value) == nil }
}
