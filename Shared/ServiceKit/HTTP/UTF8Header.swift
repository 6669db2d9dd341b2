import Hummingbird

extension Request {
    /// The first value of a header, matched case-insensitively, when it was sent as UTF-8;
    /// `nil` when absent.
    ///
    /// The HTTP parser reads header bytes as UTF-8 and repairs what is not (a Latin-1 `0x9B`
    /// arrives as U+FFFD), so the bytes themselves are gone by the time a route runs. A value
    /// holding U+FFFD is therefore refused: it either was not UTF-8 or names the replacement
    /// character itself, which no client needs in a header such as `Idempotency-Key`.
    /// - Throws: a 400 ``APIError`` (`invalid_request`) naming the header when it holds U+FFFD.
    public func utf8Header(_ name: String) throws -> String? {
        guard let value = header(name) else { return nil }
        guard !value.unicodeScalars.contains("\u{FFFD}") else {
            throw APIError.invalid("\(name) must be UTF-8 (it holds U+FFFD, what bytes that are not UTF-8 are read as).")
        }
        return value
    }
}
