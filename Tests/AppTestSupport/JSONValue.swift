import Foundation

/// A parsed JSON document to read values out of in an expectation: `json["items"][0]["sku"].string`.
/// A missing key or index reads as ``missing``, so a chain never crashes.
public struct JSONValue: CustomStringConvertible, @unchecked Sendable {
    private let value: Any?

    public init(_ value: Any?) {
        self.value = value
    }

    /// Parses `data`; an unparsable body reads as ``missing``.
    public init(data: Data) {
        value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    public static var missing: JSONValue { JSONValue(nil) }

    public subscript(key: String) -> JSONValue {
        JSONValue((value as? [String: Any])?[key])
    }

    public subscript(index: Int) -> JSONValue {
        guard let array = value as? [Any], array.indices.contains(index) else { return .missing }
        return JSONValue(array[index])
    }

    public var exists: Bool { value != nil }
    public var isNull: Bool { value is NSNull }
    public var string: String? { value as? String }
    public var int: Int? { value as? Int }
    public var bool: Bool? { value as? Bool }
    public var array: [JSONValue]? { (value as? [Any])?.map(JSONValue.init) }
    public var keys: Set<String>? { (value as? [String: Any]).map { Set($0.keys) } }
    public var count: Int? { (value as? [Any])?.count ?? (value as? [String: Any])?.count }

    public var description: String {
        guard let value, JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else {
            return value.map { "\($0)" } ?? "<missing>"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
