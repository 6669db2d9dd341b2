/// What the broker sent, copied out of librabbitmq's buffers.
enum InboundEvent {
    case delivery(consumerTag: String, Delivery)
    /// basic.ack (`acked`) or basic.nack for a publish sequence number.
    case confirm(deliveryTag: UInt64, multiple: Bool, acked: Bool)
    /// basic.return of a mandatory message nobody could route.
    case returned(messageId: String?, code: UInt16, text: String)
    /// The broker cancelled a consumer (its queue was deleted).
    case consumerCancelled(consumerTag: String)
    /// connection.blocked: the broker stopped reading from this connection (a resource alarm).
    case blocked(reason: String)
    /// connection.unblocked: the broker reads again.
    case unblocked
    /// Frames with no meaning here.
    case ignored
}
