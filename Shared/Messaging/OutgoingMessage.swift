/// A message to publish.
public struct OutgoingMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: MessageProperties
    /// When true, a message that no queue receives comes back and its publish throws `.returned`.
    /// Returns are matched by `properties.messageId`, which mandatory messages must therefore carry.
    public var mandatory: Bool

    public init(
        exchange: String,
        routingKey: String,
        body: [UInt8],
        properties: MessageProperties = MessageProperties(),
        mandatory: Bool = false
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}
