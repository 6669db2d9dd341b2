import Foundation

/// A message received from a queue, by a consumer or by `AMQPConnection.get(queue:)`.
/// Settle it with `AMQPConnection.ack(_:multiple:)` or `reject(_:requeue:)` on the same connection.
public struct Delivery: Sendable, Equatable {
    /// Identifies the delivery on its channel, for ack and reject.
    public var deliveryTag: UInt64
    public var exchange: String
    public var routingKey: String
    /// True when the broker delivered this message before and it was not acknowledged.
    public var redelivered: Bool
    public var body: Data
    public var properties: MessageProperties
    /// Header table entries that could not be delivered as they came and are not in
    /// `properties.headers`; empty for a message whose headers arrived whole (``headerTableError``).
    public var headerDefects: [HeaderDefect]

    public init(
        deliveryTag: UInt64,
        exchange: String,
        routingKey: String,
        redelivered: Bool,
        body: Data,
        properties: MessageProperties,
        headerDefects: [HeaderDefect] = []
    ) {
        self.deliveryTag = deliveryTag
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.body = body
        self.properties = properties
        self.headerDefects = headerDefects
    }
}
