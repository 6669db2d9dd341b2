import Messaging

extension DeliveryHeader {
    /// The header entries a delivery could not carry as they came (``HeaderDefect``: an empty
    /// name, a name that is not UTF-8 or is used twice), recorded on every copy a service sends on
    /// or keeps (retry, parking, the dead-letter store) instead of the entries themselves, so that
    /// the copy decodes everywhere: an array of tables `{"name", "path", "problem", "value"}`.
    public static let undecodableHeaders = "x-undecodable-headers"
}

extension Delivery {
    /// The headers a copy of this delivery carries: its own, plus ``DeliveryHeader/undecodableHeaders``
    /// recording the entries that were left out of them (added to what an earlier copy recorded).
    public var headersForCopy: [String: AMQPFieldValue] {
        var headers = properties.headers
        guard !headerDefects.isEmpty else { return headers }
        var records: [AMQPFieldValue] = []
        if case .array(let earlier) = headers[DeliveryHeader.undecodableHeaders] { records = earlier }
        for defect in headerDefects {
            var record: [String: AMQPFieldValue] = [
                "name": .string(defect.name),
                "path": .array(defect.path.map(AMQPFieldValue.string)),
                "problem": .string(defect.problem.code),
            ]
            if let value = defect.value { record["value"] = value }
            records.append(.table(record))
        }
        headers[DeliveryHeader.undecodableHeaders] = .array(records)
        return headers
    }
}

extension HeaderDefect.Problem {
    /// `empty_name`, `name_not_utf8` or `duplicate_name`.
    var code: String {
        switch self {
        case .emptyName: "empty_name"
        case .nameNotUTF8: "name_not_utf8"
        case .duplicateName: "duplicate_name"
        case .nestedTooDeep: "nested_too_deep"
        }
    }
}
