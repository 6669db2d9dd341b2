import CRabbitMQ
import Foundation
import Logging

/// The body of a connection's thread: runs commands from the mailbox against the session, reads
/// what the broker sends, settles publishes and hands deliveries to consumers.
///
/// Everything here stays on that one thread; other threads only reach it through the mailbox.
final class ConnectionLoop {
    /// Commands run, and frames read, per iteration before the other side gets its turn, so a
    /// burst of publishes does not hold back their confirms and a stream of deliveries not the acks.
    private static let batchBudget = 256
    /// Longest idle `poll`, a fraction of the heartbeat so heartbeats are sent and checked in time.
    private static let idlePollMilliseconds = Int32(Session.heartbeatSeconds) * 1000 / 6

    private let session: Session
    private let mailbox: Mailbox
    private let status: ConnectionStatus
    private let logger: Logger
    private var confirms: ConfirmTracker?
    private var consumers: [String: DeliveryBatches] = [:]
    private var arrived: [String: [Delivery]] = [:]
    /// Commands taken from the mailbox and not yet executed.
    private var queued: ArraySlice<Command> = []
    private var closeRequested = false
    /// Set by connection.blocked, cleared by connection.unblocked: the broker does not read.
    private var blocked = false
    /// Publishes not (fully) sent yet because the broker blocked the connection; sent in order
    /// once it is unblocked. Every publish passes through here, so the order is kept.
    private var held: [(messages: ArraySlice<OutgoingMessage>, group: PublishGroup)] = []
    /// Messages sent between two looks at what the broker said, so that a `connection.blocked`
    /// arriving in the middle of a large publish stops it after at most this many.
    private static let publishChunk = 32

    private init(session: Session, mailbox: Mailbox, status: ConnectionStatus, confirmMode: Bool, logger: Logger) {
        self.session = session
        self.mailbox = mailbox
        self.status = status
        self.confirms = confirmMode ? ConfirmTracker() : nil
        self.logger = logger
    }

    /// Connects, reports the outcome through `connected`, then serves the connection until it
    /// is closed or lost. Call on the connection's own thread; returns when it is over.
    static func run(
        url: AMQPURL, name: String, confirmMode: Bool, mailbox: Mailbox, status: ConnectionStatus,
        logger: Logger, connected: Reply<Void>
    ) {
        let session: Session
        do {
            session = try Session.open(url: url, name: name, confirmMode: confirmMode)
        } catch {
            connected.resume(returning: .failure(error))
            return
        }
        logger.info("AMQP connection opened", metadata: ["amqp.url": "\(url)", "amqp.confirm_mode": "\(confirmMode)"])
        connected.resume(returning: .success(()))
        let failure = ConnectionLoop(
            session: session, mailbox: mailbox, status: status, confirmMode: confirmMode, logger: logger
        ).serve()
        // The loop and its session are gone by now: the socket is closed before anyone hears of the end.
        status.finish(failure)
    }

    /// Serves until closed or lost; returns why it ended (nil: closed on request).
    private func serve() -> AMQPError? {
        var idle = false
        var failure: AMQPError?
        do {
            while !closeRequested {
                if queued.isEmpty { queued = mailbox.takeAll()[...] }
                var budget = Self.batchBudget
                while budget > 0, !closeRequested, let command = queued.popFirst() {
                    budget -= 1
                    try execute(command)
                }
                try readInbound(idle: idle)
                try sendHeldPublishes()
                handOutDeliveries()
                session.releaseBuffers()
                idle = !closeRequested && queued.isEmpty && waitForWork()
            }
        } catch {
            failure = error
        }
        shutDown(failure)
        return failure
    }

    // MARK: Commands

    private func execute(_ command: Command) throws(AMQPError) {
        switch command {
        case .publish(let messages, let reply):
            // Behind what is held, to keep the order of publishes.
            held.append((messages[...], PublishGroup(count: messages.count, reply: reply)))
            try sendHeldPublishes()
        case .declare(let topology, let reply):
            try respond(reply) { () throws(AMQPError) in try session.declare(topology) }
            logger.debug("AMQP topology declared", metadata: [
                "amqp.exchanges": "\(topology.exchanges.map(\.name))", "amqp.queues": "\(topology.queues.map(\.name))",
            ])
        case .consume(let queue, let prefetch, let batches, let reply):
            try respond(reply) { () throws(AMQPError) in
                let tag = try session.consume(queue: queue, prefetch: prefetch)
                consumers[tag] = batches
            }
            logger.debug("AMQP consumer started", metadata: ["amqp.queue": "\(queue)", "amqp.prefetch": "\(prefetch)"])
        case .ack(let deliveryTag, let multiple):
            try session.ack(deliveryTag, multiple: multiple)
        case .reject(let deliveryTag, let requeue):
            try session.reject(deliveryTag, requeue: requeue)
        case .get(let queue, let reply):
            try respond(reply) { () throws(AMQPError) in try session.get(queue: queue) }
        case .purge(let queue, let reply):
            try respond(reply) { () throws(AMQPError) in try session.purge(queue: queue) }
        case .messageCount(let queue, let reply):
            try respond(reply) { () throws(AMQPError) in try session.messageCount(queue: queue) }
        case .close:
            closeRequested = true
        }
    }

    /// Resumes `reply` with the outcome of `work`; a failure also ends the connection (rethrown).
    private func respond<Value>(_ reply: Reply<Value>, _ work: () throws(AMQPError) -> Value) throws(AMQPError) {
        do {
            reply.resume(returning: .success(try work()))
        } catch {
            reply.resume(returning: .failure(error))
            throw error
        }
    }

    /// Sends `messages` (all of `group` or what is left of it) until the broker blocks the
    /// connection; returns what was not sent then (nil when everything was).
    private func publish(_ messages: ArraySlice<OutgoingMessage>, in group: PublishGroup) throws(AMQPError) -> ArraySlice<OutgoingMessage>? {
        var sent = 0
        for index in messages.indices {
            if blocked { return messages[index...] }
            do {
                try session.publish(messages[index])
            } catch {
                for unsent in index..<messages.endIndex { group.settle(unsent, error) }
                throw error
            }
            if confirms != nil {
                confirms?.register(messages[index], in: group, at: index)
            } else {
                group.settle(index, nil)  // without confirm mode, sent is as good as it gets
            }
            sent += 1
            if sent % Self.publishChunk == 0 {
                do {
                    try readInbound(idle: false)
                } catch {
                    for unsent in messages.index(after: index)..<messages.endIndex { group.settle(unsent, error) }
                    throw error
                }
            }
        }
        return nil
    }

    // MARK: Incoming frames

    private func readInbound(idle: Bool) throws(AMQPError) {
        var budget = Self.batchBudget
        var idle = idle
        while budget > 0, let event = try session.nextEvent(idle: idle) {
            budget -= 1
            idle = false
            handle(event)
        }
    }

    private func handle(_ event: InboundEvent) {
        switch event {
        case .delivery(let consumerTag, let delivery):
            arrived[consumerTag, default: []].append(delivery)
        case .confirm(let deliveryTag, let multiple, let acked):
            confirms?.settle(upTo: deliveryTag, multiple: multiple, acked: acked)
        case .returned(let messageId, let code, let text):
            let error = AMQPError.returned(messageId: messageId, code: code, text: text)
            if confirms?.markReturned(messageId: messageId, error: error) != true {
                logger.warning("AMQP message returned as unroutable", metadata: [
                    "amqp.message_id": "\(messageId ?? "-")", "amqp.error": "\(error)",
                ])
            }
        case .consumerCancelled(let consumerTag):
            let batches = consumers.removeValue(forKey: consumerTag)
            arrived[consumerTag] = nil
            batches?.finish()
            logger.warning("AMQP consumer cancelled by the broker", metadata: ["amqp.queue": "\(batches?.queue ?? "?")"])
        case .blocked(let reason):
            blocked = true
            status.setBlocked(true)
            logger.warning("AMQP connection blocked by the broker; publishes wait", metadata: ["amqp.reason": "\(reason)"])
        case .unblocked:
            blocked = false
            status.setBlocked(false)
            logger.info("AMQP connection unblocked by the broker", metadata: ["amqp.held_publishes": "\(held.count)"])
        case .ignored:
            break
        }
    }

    /// Sends the publishes waiting in `held`, oldest first, until done or blocked: while the
    /// broker blocks the connection nothing more is written to the socket, which would only
    /// fill up and then block this thread in `send`.
    private func sendHeldPublishes() throws(AMQPError) {
        while !blocked, let (messages, group) = held.first {
            held.removeFirst()
            if let rest = try publish(messages, in: group) {
                held.insert((rest, group), at: 0)
            }
        }
    }

    private func handOutDeliveries() {
        guard !arrived.isEmpty else { return }
        for (consumerTag, deliveries) in arrived {
            consumers[consumerTag]?.append(deliveries)
        }
        arrived.removeAll(keepingCapacity: true)
    }

    /// Sleeps in `poll` until the broker sends something, a command arrives or the idle cap
    /// passes. Returns true when it waited the whole cap without anything happening.
    private func waitForWork() -> Bool {
        guard !mailbox.hasWork, !session.hasBufferedInput else { return false }
        var fds = [
            pollfd(fd: session.socketFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: mailbox.wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, nfds_t(fds.count), Self.idlePollMilliseconds)
        if fds[1].revents != 0 { mailbox.drainWakeups() }
        return ready == 0
    }

    // MARK: Shutdown

    /// Fails what is pending, ends consumers and closes the session.
    private func shutDown(_ failure: AMQPError?) {
        let error = failure ?? .connectionClosed
        let leftovers = mailbox.refuseNewCommands(with: error)
        for command in queued + leftovers { command.fail(error) }
        for (messages, group) in held {
            for unsent in messages.indices { group.settle(unsent, error) }
        }
        held.removeAll()
        confirms?.failAll(error)
        for batches in consumers.values { batches.finish() }
        consumers.removeAll()
        // A blocked broker does not read the close methods: drop the socket instead of waiting.
        session.close(handshake: !blocked)
        status.setBlocked(false)
        if let failure {
            logger.warning("AMQP connection ended by an error", metadata: ["amqp.error": "\(failure)"])
        } else {
            logger.info("AMQP connection closed")
        }
    }
}
