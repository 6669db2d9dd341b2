/// A header table entry that a delivery could not carry as it came, so it was left out of the
/// delivery's ``MessageProperties/headers``: the rest of the message (body, properties, the other
/// headers) is delivered as usual.
///
/// Names are AMQP short strings on the wire, and the wire allows what a `[String: AMQPFieldValue]`
/// cannot hold faithfully: an empty name (librabbitmq 0.11 refuses to copy such a table, so reading
/// the message through it fails the connection), a name that is not UTF-8 (it would be changed by
/// the repair), or a name used twice in one table (one value would silently replace the other).
/// An entry nested deeper than any header needs is left out too: each level would be a recursion
/// of every reader and writer of the value, and the broker takes thousands.
public struct HeaderDefect: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the entry.
    public enum Problem: Sendable, Equatable {
        case emptyName
        case nameNotUTF8
        case duplicateName
        /// The value nests tables and arrays deeper than a header can (32 levels): it is not
        /// read, nor kept in the report.
        case nestedTooDeep
    }

    /// The names of the tables the entry sits in, outermost first; an array element appears as
    /// `[index]`. Empty for a header of the message itself.
    public var path: [String]
    /// The entry's name as far as it reads (invalid UTF-8 repaired with U+FFFD).
    public var name: String
    public var problem: Problem
    /// The entry's value, when it is of a kind ``AMQPFieldValue`` has.
    public var value: AMQPFieldValue?

    public init(path: [String], name: String, problem: Problem, value: AMQPFieldValue?) {
        self.path = path
        self.name = name
        self.problem = problem
        self.value = value
    }

    /// `the header name "" is empty`, `the entry name "k" in header "outer" › [1] is used twice …`.
    public var description: String {
        let subject = path.isEmpty
            ? "the header name \"\(name)\""
            : "the entry name \"\(name)\" in header " + path.map { $0.hasPrefix("[") ? $0 : "\"\($0)\"" }.joined(separator: " › ")
        switch problem {
        case .emptyName: return "\(subject) is empty"
        case .nameNotUTF8: return "\(subject) is not UTF-8"
        case .duplicateName: return "\(subject) is used twice (the later entry is left out)"
        case .nestedTooDeep: return "\(subject) holds tables or arrays nested more than \(WireValue.maximumDepth) levels deep"
        }
    }
}

extension Delivery {
    /// `undecodable header table: …` naming every entry that was left out, or `nil` when the
    /// message's headers arrived whole. A consumer parks such a message as malformed.
    public var headerTableError: String? {
        guard !headerDefects.isEmpty else { return nil }
        return "undecodable header table: " + headerDefects.map(\.description).joined(separator: "; ")
            + " (left out of the delivered copy)"
    }
}
