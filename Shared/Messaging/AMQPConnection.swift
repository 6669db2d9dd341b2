import Foundation
import Logging

/// A RabbitMQ connection with one channel, owned by a dedicated thread.
///
/// All methods may be called from any task at the same time; they hand their work to the
/// connection's thread and never block the caller's thread. A failure of the connection (socket
/// error, missed heartbeats, a server exception such as a conflicting declare) ends it: every
/// pending and later operation fails with that error, consumers end, and `waitUntilClosed`
/// returns it. Open a new connection to carry on.
public final class AMQPConnection: Sendable {
    /// The name shown in RabbitMQ's connection list.
    public let name: String
    private let mailbox: Mailbox
    private let status: ConnectionStatus
    private let logger: Logger

    private init(name: String, mailbox: Mailbox, status: ConnectionStatus, logger: Logger) {
        self.name = name
        self.mailbox = mailbox
        self.status = status
        self.logger = logger
    }

    deinit {
        _ = mailbox.post(.close)
    }

    /// Connects, logs in, opens channel 1. `confirmMode: true` puts the channel in
    /// publisher-confirm mode (confirm.select), so `publish` returns once the broker has the message.
    public static func connect(
        to url: AMQPURL, name: String, confirmMode: Bool, logger: Logger
    ) async throws(AMQPError) -> AMQPConnection {
        guard let mailbox = Mailbox() else {
            throw .connectionFailed(host: url.host, port: url.port, reason: "cannot create a pipe: errno \(errno)")
        }
        var logger = logger
        logger[metadataKey: "amqp.connection"] = "\(name)"
        let status = ConnectionStatus()
        let threadLogger = logger
        let result = await withCheckedContinuation { continuation in
            let connected = Reply<Void>(continuation)
            let thread = Thread {
                ConnectionLoop.run(
                    url: url, name: name, confirmMode: confirmMode, mailbox: mailbox, status: status,
                    logger: threadLogger, connected: connected)
            }
            thread.name = "amqp-\(name)"
            // librabbitmq decodes a message's header table recursively, before any check of ours
            // sees it, and a 128 KiB frame can nest ~26,000 tables or arrays (the broker takes
            // them): a stack of its own, sized for that, whatever the platform's thread default.
            thread.stackSize = Self.threadStackBytes
            thread.start()
        }
        try result.get()
        return AMQPConnection(name: name, mailbox: mailbox, status: status, logger: logger)
    }

    /// The stack of a connection's thread: room for librabbitmq's recursion through the deepest
    /// header table a frame can hold (a few MiB), with a margin; reserved, not committed.
    static let threadStackBytes = 32 << 20

    /// False once the connection is closing, closed or lost.
    public var isOpen: Bool { !mailbox.isClosed }

    /// Declares the exchanges, then the queues (with their arguments), then the bindings.
    /// A declaration conflicting with an existing one throws `.channelClosedByServer` with the
    /// broker's code (406 PRECONDITION_FAILED) and text, and ends the connection.
    public func declare(_ topology: Topology) async throws(AMQPError) {
        try await perform { .declare(topology, $0) }
    }

    /// Publishes one message. In confirm mode it returns once the broker confirmed it and throws
    /// `.publishNacked`, or `.returned` for an unroutable `mandatory` message; without confirm
    /// mode it returns once the message is written to the socket. Many publishes may be in
    /// flight at once from concurrent tasks. Cancelling the caller ends its wait with `.cancelled`
    /// but does not withdraw the message: it may or may not reach the broker.
    public func publish(_ message: OutgoingMessage) async throws(AMQPError) {
        try await publish([message])
    }

    /// Publishes all `messages` in order, then waits until every one is settled; throws the first
    /// failure among them.
    ///
    /// Every message is checked first (``OutgoingMessage/validate()``): when one cannot go on the
    /// wire, nothing is sent, `.invalidMessage` names it and the connection stays up. While the
    /// broker blocks the connection (flow control, e.g. a memory alarm) the messages wait on this
    /// side, unsent; cancelling the caller ends the wait with `.cancelled` (the messages may or
    /// may not reach the broker).
    public func publish(_ messages: [OutgoingMessage]) async throws(AMQPError) {
        guard !messages.isEmpty else { return }
        for message in messages { try Self.check(message) }
        let outcomes = try await perform(cancellable: true) { .publish(messages, $0) }
        if let failure = outcomes.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// Publishes all `messages` in order, then waits until every one is settled; returns each
    /// one's outcome in the same order: `nil` when the broker confirmed it, otherwise why not
    /// (`.returned`, `.publishNacked`, the connection's end). A message that cannot go on the wire
    /// is `.invalidMessage` and not sent; the others are, and the connection stays up.
    public func publishEach(_ messages: [OutgoingMessage]) async -> [AMQPError?] {
        var outcomes: [AMQPError?] = messages.map { message in
            do throws(AMQPError) {
                try Self.check(message)
                return nil
            } catch {
                return error
            }
        }
        let sendable = outcomes.indices.filter { outcomes[$0] == nil }
        guard !sendable.isEmpty else { return outcomes }
        do {
            let sent = try await perform(cancellable: true) { .publish(sendable.map { messages[$0] }, $0) }
            for (index, outcome) in zip(sendable, sent) { outcomes[index] = outcome }
        } catch {
            for index in sendable { outcomes[index] = error }
        }
        return outcomes
    }

    /// What must hold before a message is handed to the connection thread.
    private static func check(_ message: OutgoingMessage) throws(AMQPError) {
        try message.validate()
        if message.mandatory && message.properties.messageId == nil {
            throw .invalidMessage(reason: "a mandatory message needs a messageId, which is how a return is matched to it")
        }
    }

    /// Starts consuming `queue` with manual acks, at most `prefetch` unacknowledged deliveries at
    /// a time (basic.qos + basic.consume). Take deliveries with `DeliveryBatches.next(max:)` and
    /// settle each with `ack` or `reject`.
    public func consume(queue: String, prefetch: UInt16) async throws(AMQPError) -> DeliveryBatches {
        let batches = DeliveryBatches(queue: queue)
        try await perform { .consume(queue: queue, prefetch: prefetch, batches, $0) }
        return batches
    }

    /// Acknowledges a delivery (with `multiple`, also every earlier one). Returns at once: the ack
    /// is sent by the connection's thread. Ignored when the connection has ended (the broker
    /// redelivers unacknowledged messages).
    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) {
        post(.ack(deliveryTag: deliveryTag, multiple: multiple))
    }

    /// Rejects a delivery: `requeue: false` drops it (or dead-letters it when its queue has a
    /// dead-letter exchange), `requeue: true` puts it back. Returns at once, like `ack`.
    public func reject(_ deliveryTag: UInt64, requeue: Bool) {
        post(.reject(deliveryTag: deliveryTag, requeue: requeue))
    }

    /// Fetches one message from `queue` (basic.get, manual ack), or nil when the queue is empty.
    /// Settle it with `ack` or `reject`.
    public func get(queue: String) async throws(AMQPError) -> Delivery? {
        try await perform { .get(queue: queue, $0) }
    }

    /// Removes every ready message from `queue`; returns how many were removed.
    @discardableResult
    public func purge(queue: String) async throws(AMQPError) -> UInt32 {
        try await perform { .purge(queue: queue, $0) }
    }

    /// The number of ready (not delivered) messages in `queue`. A missing queue throws
    /// `.channelClosedByServer` (404) and ends the connection.
    public func queueMessageCount(queue: String) async throws(AMQPError) -> UInt32 {
        try await perform { .messageCount(queue: queue, $0) }
    }

    /// Suspends until the connection has ended; returns the error when it was lost, nil when
    /// it was closed by `close()` (or when the calling task is cancelled).
    public func waitUntilClosed() async -> AMQPError? {
        await status.wait()
    }

    /// Closes the channel and the connection cleanly and ends the thread. Publishes still awaiting
    /// a confirm fail with `.connectionClosed`; buffered deliveries are dropped (the broker
    /// redelivers them). Returns once the connection is gone.
    public func close() async {
        post(.close)
        _ = await status.wait()
    }

    /// Whether the broker has blocked this connection (flow control: a memory or disk alarm).
    /// Publishes wait meanwhile; consuming and acks go on.
    public var isBlocked: Bool { status.isBlocked }

    /// Hands a command to the thread and waits for its outcome. With `cancellable`, cancelling
    /// the caller ends the wait at once with `.cancelled`.
    private func perform<Value: Sendable>(
        cancellable: Bool = false, _ command: (Reply<Value>) -> Command
    ) async throws(AMQPError) -> Value {
        let slot = ReplySlot<Value>()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, AMQPError>, Never>) in
                let reply = Reply(continuation)
                let command = command(reply)
                slot.reply = reply
                if cancellable, Task.isCancelled {
                    reply.cancel()
                    return
                }
                if let error = mailbox.post(command) { command.fail(error) }
            }
        } onCancel: {
            if cancellable { slot.reply?.cancel() }
        }
        return try result.get()
    }

    private func post(_ command: Command) {
        if let error = mailbox.post(command) {
            logger.debug("AMQP command dropped: the connection has ended", metadata: ["amqp.error": "\(error)"])
        }
    }
}
