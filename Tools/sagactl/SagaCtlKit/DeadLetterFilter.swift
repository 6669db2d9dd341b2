/// The filters of the dead-letter commands, as the admin API's query parameters.
public struct DeadLetterFilter: Sendable, Equatable {
    public var eventType: String?
    public var reason: String?
    public var source: String?
    /// `parkedAfter` (inclusive), RFC 3339.
    public var since: String?
    /// `parkedBefore` (exclusive), RFC 3339.
    public var until: String?

    public init(eventType: String? = nil, reason: String? = nil, source: String? = nil, since: String? = nil, until: String? = nil) {
        self.eventType = eventType
        self.reason = reason
        self.source = source
        self.since = since
        self.until = until
    }

    public var isEmpty: Bool { query.isEmpty }

    /// The query items, in a fixed order.
    public var query: [(String, String)] {
        [("eventType", eventType), ("reason", reason), ("source", source), ("parkedAfter", since), ("parkedBefore", until)]
            .compactMap { name, value in value.map { (name, $0) } }
    }

    /// The query of a bulk replay or delete: the filters, and `all=true` when asked for.
    /// - Throws: ``SagaCtlError`` (exit 1) when there is no filter and no `--all`, as the API would.
    public func bulkQuery(all: Bool) throws -> [(String, String)] {
        guard all || !isEmpty else {
            throw SagaCtlError.invalidArgument(
                "Name a filter (--event-type, --reason, --source, --since, --until) or pass --all to take every parked message.")
        }
        return query + (all ? [("all", "true")] : [])
    }
}
