import Foundation

/// The AMQP basic properties this project uses. `nil` means "not set".
///
/// AMQP timestamps have a resolution of one second: `timestamp` comes back truncated.
public struct MessageProperties: Sendable, Equatable {
    public var messageId: String?
    public var correlationId: String?
    public var type: String?
    public var contentType: String?
    public var appId: String?
    public var timestamp: Date?
    public var headers: [String: AMQPFieldValue]
    /// Delivery mode 2 (stored on disk by durable queues) when true, 1 when false.
    public var persistent: Bool

    public init(
        messageId: String? = nil,
        correlationId: String? = nil,
        type: String? = nil,
        contentType: String? = nil,
        appId: String? = nil,
        timestamp: Date? = nil,
        headers: [String: AMQPFieldValue] = [:],
        persistent: Bool = true
    ) {
        self.messageId = messageId
        self.correlationId = correlationId
        self.type = type
        self.contentType = contentType
        self.appId = appId
        self.timestamp = timestamp
        self.headers = headers
        self.persistent = persistent
    }
}
