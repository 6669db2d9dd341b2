/// AMQP topic matching: words separated by `.`, `*` matches exactly one word, `#` zero or more.
enum TopicPattern {
    static func matches(_ pattern: String, _ routingKey: String) -> Bool {
        matches(pattern.split(separator: ".", omittingEmptySubsequences: false)[...],
                routingKey.split(separator: ".", omittingEmptySubsequences: false)[...])
    }

    private static func matches(_ pattern: ArraySlice<Substring>, _ key: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return key.isEmpty }
        let rest = pattern.dropFirst()
        if head == "#" {
            // `#` takes zero words, or one word and stays.
            return matches(rest, key) || (!key.isEmpty && matches(pattern, key.dropFirst()))
        }
        guard let word = key.first else { return false }
        return (head == "*" || head == word) && matches(rest, key.dropFirst())
    }
}
