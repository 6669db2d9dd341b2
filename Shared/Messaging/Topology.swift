/// An exchange to declare.
public struct ExchangeDeclaration: Sendable, Equatable {
    public var name: String
    /// `topic`, `direct`, `fanout` or `headers`.
    public var type: String
    public var durable: Bool

    public init(name: String, type: String = "topic", durable: Bool = true) {
        self.name = name
        self.type = type
        self.durable = durable
    }
}

/// A queue to declare, with optional arguments such as `x-message-ttl` or `x-dead-letter-exchange`.
public struct QueueDeclaration: Sendable, Equatable {
    public var name: String
    public var durable: Bool
    public var arguments: [String: AMQPFieldValue]

    public init(name: String, durable: Bool = true, arguments: [String: AMQPFieldValue] = [:]) {
        self.name = name
        self.durable = durable
        self.arguments = arguments
    }
}

/// Binds `queue` to `exchange` for messages whose routing key matches `routingKey` (`#`, `*` for topics).
public struct QueueBinding: Sendable, Equatable {
    public var queue: String
    public var exchange: String
    public var routingKey: String

    public init(queue: String, exchange: String, routingKey: String) {
        self.queue = queue
        self.exchange = exchange
        self.routingKey = routingKey
    }
}

/// Exchanges, queues and bindings, declared in that order by `AMQPConnection.declare(_:)`.
/// Declaring is idempotent as long as each declaration matches what already exists.
public struct Topology: Sendable, Equatable {
    public var exchanges: [ExchangeDeclaration]
    public var queues: [QueueDeclaration]
    public var bindings: [QueueBinding]

    public init(exchanges: [ExchangeDeclaration] = [], queues: [QueueDeclaration] = [], bindings: [QueueBinding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }
}
