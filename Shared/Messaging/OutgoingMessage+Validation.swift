extension OutgoingMessage {
    /// The longest AMQP short string, in bytes: exchange and queue names, routing keys, the
    /// string properties and header (field table) names are short strings on the wire.
    public static let maxShortStringBytes = 255

    /// Checks that the message can go on the wire as given. librabbitmq does not check short
    /// strings: a longer one is cut to its length byte, the broker rejects the garbled frame and
    /// closes the connection. Checking first fails this one message and leaves the connection up.
    /// - Throws: `AMQPError.invalidMessage` naming the field and its length.
    public func validate() throws(AMQPError) {
        func check(_ value: String?, _ field: String) throws(AMQPError) {
            guard let value, value.utf8.count > Self.maxShortStringBytes else { return }
            throw .invalidMessage(reason: "\(field) of message \(describedId) is \(value.utf8.count) bytes, more than the \(Self.maxShortStringBytes) of an AMQP short string")
        }
        try check(exchange, "the exchange name")
        try check(routingKey, "the routing key")
        try check(properties.messageId, "the message id")
        try check(properties.correlationId, "the correlation id")
        try check(properties.type, "the type")
        try check(properties.contentType, "the content type")
        try check(properties.appId, "the app id")
        try checkNames(properties.headers, path: "header")
    }

    private func checkNames(_ table: [String: AMQPFieldValue], path: String) throws(AMQPError) {
        for (name, value) in table {
            if name.utf8.count > Self.maxShortStringBytes {
                throw .invalidMessage(reason: "a \(path) name of message \(describedId) is \(name.utf8.count) bytes, more than the \(Self.maxShortStringBytes) of an AMQP short string")
            }
            try checkNames(in: value, path: path)
        }
    }

    private func checkNames(in value: AMQPFieldValue, path: String) throws(AMQPError) {
        switch value {
        case .table(let table):
            try checkNames(table, path: "nested \(path)")
        case .array(let values):
            for element in values { try checkNames(in: element, path: path) }
        default:
            break
        }
    }

    /// The message id as shown in errors, shortened: it may itself be the field that is too long.
    private var describedId: String {
        guard let id = properties.messageId else { return "without message id" }
        return id.utf8.count > 64 ? "'\(id.prefix(64))…'" : "'\(id)'"
    }
}
