/// A strong entity tag (RFC 9110, section 8.8.3): the validator of one representation of a
/// resource, sent as `ETag` and compared with `If-None-Match`.
public struct EntityTag: Sendable, Equatable, CustomStringConvertible {
    /// The tag without its quotes; only characters an entity tag may hold (no `"`, no controls).
    public let opaque: String

    /// - Parameter opaque: the tag's text; characters an entity tag cannot hold are dropped.
    public init(_ opaque: String) {
        self.opaque = String(opaque.unicodeScalars.filter { $0 == "!" || ($0.value >= 0x23 && $0.value <= 0x7E) })
    }

    /// The tag of an aggregate's representation at `version`: every change appends an event and
    /// so moves the version, and the same version always has the same representation.
    public static func version(_ version: Int) -> EntityTag {
        EntityTag("v\(version)")
    }

    /// The value of an `ETag` header: the tag in double quotes.
    public var headerValue: String { "\"\(opaque)\"" }

    public var description: String { headerValue }
}
