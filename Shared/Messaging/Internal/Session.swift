import CRabbitMQ
import Foundation

/// One librabbitmq connection with channel 1 open, driven synchronously.
///
/// Not thread-safe: a session is created, used and destroyed on its connection's thread only.
/// Every value that comes back is copied into Swift values before librabbitmq may reuse its
/// buffers (the connection loop releases them once per iteration).
final class Session {
    static let channel: amqp_channel_t = 1
    /// Negotiated heartbeat; librabbitmq sends ours and checks the broker's (see `nextEvent`).
    static let heartbeatSeconds: Int32 = 30

    /// The librabbitmq connection; used here and by the content reader (`Session+Content.swift`).
    let state: amqp_connection_state_t
    private var channelOpen = false
    private var connectionOpen = false
    /// Flow-control events that arrived while a message's content was being read; `nextEvent`
    /// returns them first.
    var deferredEvents: [InboundEvent] = []

    private init(state: amqp_connection_state_t) {
        self.state = state
    }

    deinit {
        amqp_destroy_connection(state)
    }

    /// Connects, logs in (announcing `name` as the connection name), opens channel 1 and, with
    /// `confirmMode`, puts it in publisher-confirm mode.
    static func open(url: AMQPURL, name: String, confirmMode: Bool) throws(AMQPError) -> Session {
        func failed(_ reason: String) -> AMQPError { .connectionFailed(host: url.host, port: url.port, reason: reason) }
        guard let state = amqp_new_connection() else { throw failed("out of memory") }
        let session = Session(state: state)
        guard let socket = amqp_tcp_socket_new(state) else { throw failed("cannot create a socket") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else { throw failed(libraryErrorText(status)) }
        session.connectionOpen = true
        amqp_set_handshake_timeout(state, &timeout)
        var rpcTimeout = timeval(tv_sec: 30, tv_usec: 0)
        amqp_set_rpc_timeout(state, &rpcTimeout)

        let arena = CArena()
        // Capabilities: `connection.blocked`, so the broker says when flow control stops it reading
        // from this connection (publishes then wait instead of filling the socket), and
        // `consumer_cancel_notify`, so a consumer whose queue was deleted is told (basic.cancel)
        // instead of being left silently without deliveries.
        var properties = arena.table([
            "connection_name": .string(name),
            "capabilities": .table(["connection.blocked": .bool(true), "consumer_cancel_notify": .bool(true)]),
        ])
        let login = crabbitmq_login_plain_with_properties(
            state, url.vhost, 0, 131_072, heartbeatSeconds, &properties, url.user, url.password)
        withExtendedLifetime(arena) {}
        if let error = login.error {
            session.connectionOpen = false
            let reason = switch error {
            case .connectionClosedByServer(let code, let text): "\(code) \(text)"
            default: "\(error) (wrong credentials or unknown vhost?)"
            }
            throw .loginRefused(user: url.user, vhost: url.vhost, reason: reason)
        }
        _ = try session.rpc { _ in amqp_channel_open(state, channel) }
        session.channelOpen = true
        if confirmMode {
            _ = try session.rpc { _ in amqp_confirm_select(state, channel) }
        }
        return session
    }

    /// The socket to poll for incoming data.
    var socketFD: Int32 { amqp_get_sockfd(state) }

    /// True while librabbitmq holds decoded frames or unread bytes that `poll` would not report.
    var hasBufferedInput: Bool {
        !deferredEvents.isEmpty || amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0
    }

    /// Lets librabbitmq reuse the memory of frames already copied out.
    func releaseBuffers() {
        amqp_maybe_release_buffers(state)
    }

    // MARK: Channel methods

    func declare(_ topology: Topology) throws(AMQPError) {
        for exchange in topology.exchanges {
            _ = try rpc { arena in
                amqp_exchange_declare(
                    state, Self.channel, arena.bytes(exchange.name), arena.bytes(exchange.type),
                    0, exchange.durable ? 1 : 0, 0, 0, amqp_empty_table)
            }
        }
        for queue in topology.queues {
            _ = try rpc { arena in
                amqp_queue_declare(
                    state, Self.channel, arena.bytes(queue.name), 0, queue.durable ? 1 : 0, 0, 0,
                    arena.table(queue.arguments))
            }
        }
        for binding in topology.bindings {
            _ = try rpc { arena in
                amqp_queue_bind(
                    state, Self.channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                    arena.bytes(binding.routingKey), amqp_empty_table)
            }
        }
    }

    /// Sets the prefetch for the next consumer and starts it with manual acks; returns its tag.
    func consume(queue: String, prefetch: UInt16) throws(AMQPError) -> String {
        _ = try rpc { _ in amqp_basic_qos(state, Self.channel, 0, prefetch, 0) }
        let ok = try rpc { arena in
            amqp_basic_consume(state, Self.channel, arena.bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        }
        return ok.consumer_tag.string
    }

    /// Sends the message's frames; in confirm mode its confirm arrives later as an `InboundEvent`.
    func publish(_ message: OutgoingMessage) throws(AMQPError) {
        let arena = CArena()
        defer { withExtendedLifetime(arena) {} }
        var properties = arena.basicProperties(message.properties)
        let exchange = arena.bytes(message.exchange)
        let routingKey = arena.bytes(message.routingKey)
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, Self.channel, exchange, routingKey, message.mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        try checkStatus(status)
    }

    func ack(_ deliveryTag: UInt64, multiple: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_ack(state, Self.channel, deliveryTag, multiple ? 1 : 0))
    }

    func reject(_ deliveryTag: UInt64, requeue: Bool) throws(AMQPError) {
        try checkStatus(amqp_basic_reject(state, Self.channel, deliveryTag, requeue ? 1 : 0))
    }

    /// basic.get with manual ack: the next message of `queue`, or nil when it is empty.
    func get(queue: String) throws(AMQPError) -> Delivery? {
        let arena = CArena()
        defer { withExtendedLifetime(arena) {} }
        let reply = amqp_basic_get(state, Self.channel, arena.bytes(queue), 0)
        try check(reply)
        guard reply.reply.id == AMQP_BASIC_GET_OK_METHOD else { return nil }
        let ok = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let exchange = ok.exchange.string
        let routingKey = ok.routing_key.string
        let content = try readContent()
        return Delivery(
            deliveryTag: ok.delivery_tag, exchange: exchange, routingKey: routingKey,
            redelivered: ok.redelivered != 0, body: content.body, properties: content.properties,
            headerDefects: content.headerDefects)
    }

    /// Removes all ready messages from `queue`; returns how many there were.
    func purge(queue: String) throws(AMQPError) -> UInt32 {
        try rpc { arena in amqp_queue_purge(state, Self.channel, arena.bytes(queue)) }.message_count
    }

    /// The number of ready messages in `queue` (passive declare; a missing queue is a 404 channel error).
    func messageCount(queue: String) throws(AMQPError) -> UInt32 {
        try rpc { arena in
            amqp_queue_declare(state, Self.channel, arena.bytes(queue), 1, 0, 0, 0, amqp_empty_table)
        }.message_count
    }

    // MARK: Incoming frames

    /// The next thing the broker sent, or nil when nothing is waiting. Never blocks for long.
    ///
    /// With `idle`, the wait is 1 µs instead of zero: only a non-zero timeout lets librabbitmq
    /// notice that the broker's heartbeats stopped (it then reports a heartbeat timeout).
    func nextEvent(idle: Bool) throws(AMQPError) -> InboundEvent? {
        if !deferredEvents.isEmpty { return deferredEvents.removeFirst() }
        var frame = amqp_frame_t()
        var timeout = timeval(tv_sec: 0, tv_usec: idle ? 1 : 0)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        try checkStatus(status)
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return .ignored }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_DELIVER_METHOD:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let consumerTag = deliver.consumer_tag.string
            let exchange = deliver.exchange.string
            let routingKey = deliver.routing_key.string
            let content = try readContent()
            let delivery = Delivery(
                deliveryTag: deliver.delivery_tag, exchange: exchange, routingKey: routingKey,
                redelivered: deliver.redelivered != 0, body: content.body, properties: content.properties,
                headerDefects: content.headerDefects)
            return .delivery(consumerTag: consumerTag, delivery)
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .confirm(deliveryTag: ack.delivery_tag, multiple: ack.multiple != 0, acked: true)
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .confirm(deliveryTag: nack.delivery_tag, multiple: nack.multiple != 0, acked: false)
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let code = returned.reply_code
            let text = returned.reply_text.string
            let content = try readContent()
            return .returned(messageId: content.properties.messageId, code: code, text: text)
        case AMQP_BASIC_CANCEL_METHOD:
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            return .consumerCancelled(consumerTag: cancel.consumer_tag.string)
        case AMQP_CONNECTION_BLOCKED_METHOD:
            let blocked = method.decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            return .blocked(reason: blocked.reason.string)
        case AMQP_CONNECTION_UNBLOCKED_METHOD:
            return .unblocked
        case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
            let error = serverException(method)
            acknowledgeClose(error)
            throw error
        default:
            return .ignored
        }
    }

    // MARK: Closing

    /// Longest wait for each reply of the closing handshake.
    static let closeTimeoutSeconds = 2

    /// Closes the channel and the connection as far as they are still open, ignoring failures.
    ///
    /// With `handshake: false` (the broker blocked the connection and would not read the close
    /// methods) the socket is just dropped: the broker treats that as a closed connection and
    /// requeues what was delivered and not acknowledged. The handshake is bounded anyway: each
    /// reply is waited for at most ``closeTimeoutSeconds``.
    func close(handshake: Bool = true) {
        guard connectionOpen else { return }
        guard handshake else {
            channelOpen = false
            connectionOpen = false
            return
        }
        var timeout = timeval(tv_sec: Self.closeTimeoutSeconds, tv_usec: 0)
        amqp_set_rpc_timeout(state, &timeout)
        if channelOpen {
            _ = amqp_channel_close(state, Self.channel, AMQP_REPLY_SUCCESS)
            channelOpen = false
        }
        _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        connectionOpen = false
    }

    // MARK: Helpers

    /// Runs a synchronous RPC whose arguments live in a fresh arena; returns its decoded reply.
    private func rpc<Reply>(_ call: (CArena) -> UnsafeMutablePointer<Reply>?) throws(AMQPError) -> Reply {
        let arena = CArena()
        let result = withExtendedLifetime(arena) { call(arena) }
        guard let result else {
            try check(amqp_get_rpc_reply(state))
            throw .connectionLost(reason: "the broker sent no reply")
        }
        return result.pointee
    }

    private func check(_ reply: amqp_rpc_reply_t) throws(AMQPError) {
        guard let error = reply.error else { return }
        acknowledgeClose(error)
        throw error
    }

    func checkStatus(_ status: Int32) throws(AMQPError) {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        throw lost(
            status == AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue
                ? "no heartbeat from the broker for \(2 * Self.heartbeatSeconds) s" : libraryErrorText(status))
    }

    /// The connection is unusable (a socket failure, or the broker broke the protocol): marks it
    /// closed, so that `close()` only drops the socket, and returns the error to throw.
    func lost(_ reason: String) -> AMQPError {
        connectionOpen = false
        return .connectionLost(reason: reason)
    }

    /// Answers a server-initiated close as the protocol requires; afterwards only `close()` remains.
    func acknowledgeClose(_ error: AMQPError) {
        switch error {
        case .channelClosedByServer:
            var closeOk = amqp_channel_close_ok_t()
            _ = amqp_send_method(state, Self.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &closeOk)
            channelOpen = false
        case .connectionClosedByServer:
            var closeOk = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &closeOk)
            connectionOpen = false
        default:
            connectionOpen = false
        }
    }
}
