/// Everything that can go wrong talking to RabbitMQ. Each case reads as a sentence via `description`.
public enum AMQPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The AMQP URL could not be parsed.
    case invalidURL(reason: String)
    /// The TCP connection to the broker could not be established.
    case connectionFailed(host: String, port: Int, reason: String)
    /// The broker refused the login (bad credentials, unknown vhost, ...).
    case loginRefused(user: String, vhost: String, reason: String)
    /// The broker closed the channel with an exception, e.g. 406 PRECONDITION_FAILED or 404 NOT_FOUND.
    /// The connection is closed as a consequence.
    case channelClosedByServer(code: UInt16, text: String)
    /// The broker closed the connection, e.g. 320 CONNECTION_FORCED when it shuts down.
    case connectionClosedByServer(code: UInt16, text: String)
    /// The broker negatively acknowledged a published message: it was not stored.
    case publishNacked(messageId: String?)
    /// A `mandatory` message could not be routed to any queue and came back.
    case returned(messageId: String?, code: UInt16, text: String)
    /// The socket failed or the broker stopped answering.
    case connectionLost(reason: String)
    /// The connection was closed by this process (`close()`), so the operation could not complete.
    case connectionClosed
    /// The message cannot be published as given.
    case invalidMessage(reason: String)
    /// The caller stopped waiting (its task was cancelled); the operation may still complete.
    case cancelled

    public var description: String {
        switch self {
        case .invalidURL(let reason):
            return "invalid AMQP URL: \(reason)"
        case .connectionFailed(let host, let port, let reason):
            return "cannot connect to RabbitMQ at \(host):\(port): \(reason)"
        case .loginRefused(let user, let vhost, let reason):
            return "RabbitMQ refused login of user '\(user)' to vhost '\(vhost)': \(reason)"
        case .channelClosedByServer(let code, let text):
            return "RabbitMQ closed the channel: \(code) \(text)"
        case .connectionClosedByServer(let code, let text):
            return "RabbitMQ closed the connection: \(code) \(text)"
        case .publishNacked(let messageId):
            return "RabbitMQ rejected (nacked) published message \(messageId ?? "without message id")"
        case .returned(let messageId, let code, let text):
            return "message \(messageId ?? "without message id") was returned as unroutable: \(code) \(text)"
        case .connectionLost(let reason):
            return "connection to RabbitMQ lost: \(reason)"
        case .connectionClosed:
            return "the RabbitMQ connection is closed"
        case .invalidMessage(let reason):
            return "cannot publish message: \(reason)"
        case .cancelled:
            return "stopped waiting for RabbitMQ: the task was cancelled"
        }
    }
}
