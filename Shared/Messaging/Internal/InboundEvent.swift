/// What the broker sent, copied out of librabbitmq's buffers.
enum InboundEvent {
    case delivery(consumerTag: String, Delivery)
    /// basic.ack (`acked`) or basic.nack for a publish sequence number.
    case confirm(deliveryTag: UInt64, multiple: Bool, acked: Bool)
    /// basic.return of a mandatory message nobody could route.
    case returned(messageId: String?, code: UInt16, text: String)
    /// The broker cancelled a consumer (its queue was deleted).
    case consumerCancelled(consumerTag: String)
    /// Frames with no meaning here.
    case ignored
}
