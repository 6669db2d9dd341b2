/// An id as a dictionary key or set member, compared, hashed and ordered by its UTF-8 bytes.
///
/// Swift's `String` compares by Unicode canonical equivalence: `"caf\u{E9}"` (NFC) and
/// `"cafe\u{301}"` (NFD) are `==`, hash alike and share one dictionary slot. To the contract,
/// to SQLite (which compares text byte by byte) and to every client they are two different ids,
/// so wherever ids are keys in memory they are wrapped in this type: no two ids that differ in a
/// single byte are ever merged (docs/API.md, "Ids are byte strings").
public struct IdentifierKey: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The id itself, exactly as it came.
    public let id: String

    public init(_ id: String) {
        self.id = id
    }

    public init(stringLiteral id: String) {
        self.id = id
    }

    public static func == (lhs: IdentifierKey, rhs: IdentifierKey) -> Bool {
        lhs.id.utf8.elementsEqual(rhs.id.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        var id = id
        id.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(id.utf8.count)
    }

    /// Byte order (UTF-8 code units), the order SQLite's default collation gives the same ids.
    public static func < (lhs: IdentifierKey, rhs: IdentifierKey) -> Bool {
        lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8)
    }

    public var description: String { id }
}
