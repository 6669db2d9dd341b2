/// The data of one kind of event: a `Codable` struct named after what happened (`OrderPlaced`).
///
/// Its type name is the event type, stored with the event and sent as the AMQP `type`.
public protocol EventPayload: Codable, Sendable {
    /// The event type, e.g. `OrderPlaced`.
    static var eventType: String { get }
    /// The kind of aggregate whose stream holds this event, e.g. `Order`.
    static var aggregateType: String { get }
    /// The version of this payload's shape; raised when the shape changes (old rows are upcast on read).
    static var schemaVersion: Int { get }
}

extension EventPayload {
    public static var schemaVersion: Int { 1 }
    public var eventType: String { Self.eventType }
}
