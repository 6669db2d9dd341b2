/// A field table as it came off the wire, before it becomes a dictionary: names as bytes, in
/// their order, empty, repeated or not UTF-8 as they may be. ``HeaderTableDecoder`` turns it into
/// headers and the entries it could not keep.
struct WireTable {
    struct Entry {
        var name: [UInt8]
        var value: WireValue
    }

    var entries: [Entry]
}

/// A field value as it came off the wire.
indirect enum WireValue {
    /// A value of a kind ``AMQPFieldValue`` has, other than an array or a table.
    case value(AMQPFieldValue)
    case array([WireValue])
    case table(WireTable)
    /// A kind ``AMQPFieldValue`` has no case for (decimal, void, bytes that are not UTF-8): dropped.
    case unsupported
    /// A table or array nested deeper than ``maximumDepth``, not read any further.
    case tooDeep

    /// How many levels of tables and arrays a header may nest: far more than any header the
    /// services or the broker write (`x-death` is an array of tables of arrays: 3), far fewer than
    /// the ~26,000 that fit in a 128 KiB frame, where each level is a recursion of every reader and
    /// writer of the value (this one, the forwarder's encoder, librabbitmq's).
    static let maximumDepth = 32

    /// Whether a ``tooDeep`` value is anywhere inside (a search bounded by ``maximumDepth``).
    var containsTooDeep: Bool {
        switch self {
        case .tooDeep: true
        case .value, .unsupported: false
        case .array(let items): items.contains { $0.containsTooDeep }
        case .table(let table): table.entries.contains { $0.value.containsTooDeep }
        }
    }
}

/// Turns a wire table into headers, leaving out (and reporting) every entry whose name a
/// `[String: AMQPFieldValue]` cannot hold as it came: empty, not UTF-8, or a name already used in
/// the same table (Swift compares strings by canonical equivalence, so an NFD spelling of an
/// earlier NFC name counts as the same name), and every entry whose value nests deeper than
/// ``WireValue/maximumDepth``. Nested tables, also inside arrays, are checked alike.
enum HeaderTableDecoder {
    static func decode(_ table: WireTable) -> (headers: [String: AMQPFieldValue], defects: [HeaderDefect]) {
        var defects: [HeaderDefect] = []
        let headers = decode(table, path: [], defects: &defects)
        return (headers, defects)
    }

    private static func decode(_ table: WireTable, path: [String], defects: inout [HeaderDefect]) -> [String: AMQPFieldValue] {
        var result: [String: AMQPFieldValue] = [:]
        var seen: Set<String> = []
        for entry in table.entries {
            let valid = String(validating: entry.name, as: UTF8.self)
            let name = valid ?? String(decoding: entry.name, as: UTF8.self)
            let problem: HeaderDefect.Problem? =
                if entry.name.isEmpty { .emptyName }
                else if valid == nil { .nameNotUTF8 }
                else if seen.contains(name) { .duplicateName }
                else { nil }
            if problem == nil, entry.value.containsTooDeep {
                // Left out whole, and its value is not kept in the report: it is the deep part.
                seen.insert(name)
                defects.append(HeaderDefect(path: path, name: name, problem: .nestedTooDeep, value: nil))
                continue
            }
            if let problem {
                // The entry is left out whole; its value is kept in the report as far as it reads.
                var ignored: [HeaderDefect] = []
                let value = decode(entry.value, path: path + [name], defects: &ignored)
                defects.append(HeaderDefect(path: path, name: name, problem: problem, value: value))
                continue
            }
            seen.insert(name)
            if let value = decode(entry.value, path: path + [name], defects: &defects) { result[name] = value }
        }
        return result
    }

    private static func decode(_ value: WireValue, path: [String], defects: inout [HeaderDefect]) -> AMQPFieldValue? {
        switch value {
        case .value(let value):
            return value
        case .array(let items):
            return .array(items.enumerated().compactMap { index, item in
                decode(item, path: path + ["[\(index)]"], defects: &defects)
            })
        case .table(let table):
            return .table(decode(table, path: path, defects: &defects))
        case .unsupported, .tooDeep:
            return nil
        }
    }
}
