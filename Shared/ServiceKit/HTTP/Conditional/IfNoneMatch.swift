import Hummingbird

extension Request {
    /// Whether the request's `If-None-Match` names `tag` or is `*` (RFC 9110, section 13.1.2).
    ///
    /// Tags are compared weakly, as the RFC asks for `If-None-Match`: `W/"v3"` matches `"v3"`.
    /// Several headers and comma-separated lists are read as one list; what cannot be read as an
    /// entity tag ends the list (it matches nothing), so a malformed header only costs a full answer.
    public func ifNoneMatch(matches tag: EntityTag) -> Bool {
        let values = headers[values: .ifNoneMatch]
        guard !values.isEmpty else { return false }
        return values.contains { IfNoneMatchList(parsing: $0).matches(tag) }
    }
}

/// The entity tags of one `If-None-Match` field value.
struct IfNoneMatchList {
    var matchesAny = false
    var tags: [String] = []

    init(parsing value: String) {
        var rest = Substring(value)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            if rest.isEmpty { return }
            if rest.first == "*" {
                matchesAny = true
                rest = rest.dropFirst()
                continue
            }
            if rest.hasPrefix("W/") { rest = rest.dropFirst(2) }
            guard rest.first == "\"", let end = rest.dropFirst().firstIndex(of: "\"") else { return }
            tags.append(String(rest[rest.index(after: rest.startIndex)..<end]))
            rest = rest[rest.index(after: end)...]
        }
    }

    func matches(_ tag: EntityTag) -> Bool {
        matchesAny || tags.contains(tag.opaque)
    }
}
