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
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// Whether `value` is a valid id.
    public static func isValid(_ value: String) -> Bool { problem(with: value) == nil }
}
