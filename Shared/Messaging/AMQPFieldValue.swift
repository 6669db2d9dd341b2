/// A value in an AMQP field table: message headers and queue/exchange arguments.
///
/// Integers are sent as signed 64-bit, which RabbitMQ accepts for every numeric argument
/// (`x-message-ttl`, ...). Incoming integers of any width decode to `.int`; incoming
/// kinds without a case here (decimal, void, raw bytes that are not UTF-8) are dropped.
public enum AMQPFieldValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case array([AMQPFieldValue])
    case table([String: AMQPFieldValue])
}

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
