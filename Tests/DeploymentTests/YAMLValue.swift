import Yams

/// A YAML document as the deployment tests read it: mappings keep their file order.
enum YAMLValue {
    case null
    case scalar(String)
    case sequence([YAMLValue])
    case mapping([(key: String, value: YAMLValue)])

    /// Parses `source` with Yams (aliases and merge keys resolved); an empty document is `null`.
    /// - Throws: Yams' error, naming the line, when `source` is not YAML.
    init(yaml source: String) throws {
        self = try Yams.compose(yaml: source).map(YAMLValue.init(node:)) ?? .null
    }

    private init(node: Node) {
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            self = isNull ? .null : .scalar(scalar.string)
        case .sequence(let sequence):
            self = .sequence(sequence.map(YAMLValue.init(node:)))
        case .mapping(let mapping):
            self = .mapping(mapping.map { (key: $0.key.string ?? "", value: YAMLValue(node: $0.value)) })
        case .alias:
            self = .null
        }
    }

    /// The value under `key` when this is a mapping.
    subscript(key: String) -> YAMLValue? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The keys of a mapping, in file order (empty for anything else).
    var keys: [String] {
        guard case .mapping(let entries) = self else { return [] }
        return entries.map(\.key)
    }

    var string: String? {
        guard case .scalar(let text) = self else { return nil }
        return text
    }

    /// The scalars of a sequence (nil when this is not a sequence of scalars).
    var strings: [String]? {
        guard case .sequence(let items) = self else { return nil }
        let texts = items.compactMap(\.string)
        return texts.count == items.count ? texts : nil
    }
}
