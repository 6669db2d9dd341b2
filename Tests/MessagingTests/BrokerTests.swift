import Testing

/// Everything that needs a real broker: one private node for all of it, tests one at a time
/// (the outage test stops the broker, and the throughput figures need a quiet machine).
@Suite("Against a private RabbitMQ node", .serialized, .privateBroker)
struct BrokerTests {}
