import CRabbitMQ
import Foundation

/// A message's content: what follows a deliver, get-ok or return method.
struct MessageContent {
    var body: Data
    var properties: MessageProperties
    /// Header entries left out of `properties.headers` (see ``HeaderDefect``).
    var headerDefects: [HeaderDefect]
}

extension Session {
    /// Longest wait for the next frame of a message's content; the broker sends the content
    /// right behind its method, so running out means the connection is broken.
    static let contentTimeoutSeconds = 2 * Int(heartbeatSeconds)

    /// Reads the content header and body frames that follow a deliver, get-ok or return method.
    ///
    /// The frames are read one by one rather than through `amqp_read_message`, which copies the
    /// header table with `amqp_table_clone` and fails on an entry with an empty name ("invalid
    /// parameter"), leaving the message unread and the connection broken: the broker then
    /// redelivers it forever. Here the table is decoded by ``HeaderTableDecoder``, which keeps
    /// what it can and reports the rest, so one odd message cannot stop a consumer.
    func readContent() throws(AMQPError) -> MessageContent {
        let header = try nextContentFrame()
        guard header.frame_type == UInt8(AMQP_FRAME_HEADER), header.payload.properties.class_id == UInt16(AMQP_BASIC_CLASS) else {
            throw lost("the broker sent frame type \(header.frame_type) where a message's content header belongs")
        }
        let (properties, defects) = header.payload.properties.decoded
            .assumingMemoryBound(to: amqp_basic_properties_t.self).pointee.messageProperties
        let size = header.payload.properties.body_size
        guard size <= UInt64(Int.max) else { throw lost("the broker announced a body of \(size) bytes") }
        var body = Data(capacity: Int(min(size, 1 << 20)))
        while body.count < Int(size) {
            let frame = try nextContentFrame()
            guard frame.frame_type == UInt8(AMQP_FRAME_BODY) else {
                throw lost("the broker sent frame type \(frame.frame_type) in the middle of a message's body")
            }
            let fragment = frame.payload.body_fragment
            guard body.count + fragment.len <= Int(size) else {
                throw lost("the broker sent more body than the \(size) bytes its content header announced")
            }
            if let bytes = fragment.bytes, fragment.len > 0 {
                body.append(bytes.assumingMemoryBound(to: UInt8.self), count: fragment.len)
            }
        }
        return MessageContent(body: body, properties: properties, headerDefects: defects)
    }

    /// The next frame on the session's channel. Flow control announced meanwhile on channel 0
    /// is kept for `nextEvent`; a close of the channel or the connection is answered and thrown.
    private func nextContentFrame() throws(AMQPError) -> amqp_frame_t {
        while true {
            var frame = amqp_frame_t()
            var timeout = timeval(tv_sec: Self.contentTimeoutSeconds, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
            if status == AMQP_STATUS_TIMEOUT.rawValue {
                throw lost("no content from the broker for \(Self.contentTimeoutSeconds) s after a message's method")
            }
            try checkStatus(status)
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else {
                if frame.channel == Self.channel { return frame }
                continue
            }
            let method = frame.payload.method
            switch method.id {
            case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
                let error = serverException(method)
                acknowledgeClose(error)
                throw error
            case AMQP_CONNECTION_BLOCKED_METHOD:
                let blocked = method.decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
                deferredEvents.append(.blocked(reason: blocked.reason.string))
            case AMQP_CONNECTION_UNBLOCKED_METHOD:
                deferredEvents.append(.unblocked)
            default:
                if frame.channel == Self.channel {
                    throw lost("the broker sent method \(method.id) in the middle of a message's content")
                }
            }
        }
    }
}
