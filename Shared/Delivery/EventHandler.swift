import Contracts
import EventStore
import Foundation
import Messaging

/// What a service does with one event from its queue.
public protocol EventHandler: Sendable {
    /// Applies `envelope` inside `transaction`, which also records the event id in the inbox:
    /// the effects and the record commit together, so a redelivered duplicate changes nothing.
    /// - Throws: when the event cannot be handled; its effects are then rolled back and the
    ///   message is retried later or, after the last attempt, parked.
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws
}

/// A saga participant's reactions: what it does for each case of its declaration
/// (``SagaReaction``), in one exhaustive `switch` with no `default:`. An event the declaration
/// does not name fails with ``EnvelopeError/notAReaction(eventType:)`` and is parked.
public protocol SagaReactions: EventHandler {
    /// The declaration of what the service reacts to; its queue's bindings are derived from it too.
    associatedtype Reaction: SagaReaction

    /// Applies `envelope`, an event of `reaction`'s type, inside `transaction`.
    func react(_ reaction: Reaction, to envelope: EventEnvelope, in transaction: StoreTransaction) throws
}

extension SagaReactions {
    public func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws {
        guard let reaction = Reaction(eventType: envelope.metadata.eventType) else {
            throw EnvelopeError.notAReaction(eventType: envelope.metadata.eventType)
        }
        try react(reaction, to: envelope, in: transaction)
    }
}

/// What became of one event offered to a service.
public enum ReactionOutcome: Sendable, Equatable {
    /// Applied: its effects, its outbox events and its inbox record committed together.
    case handled
    /// Its id was in the inbox already: nothing changed.
    case duplicate
    /// Not applied (rolled back to its savepoint): `malformed` ones are parked at once, the
    /// others retried through the delay queues.
    case failed(reason: String, malformed: Bool)
}

extension EventHandler {
    /// Applies one delivery inside `transaction`, like ``apply(body:in:)``; a delivery whose
    /// header table could not be decoded is malformed and changes nothing.
    /// - Throws: only when the store itself failed (disk full, read-only, I/O).
    public func apply(_ delivery: Delivery, in transaction: StoreTransaction) throws -> ReactionOutcome {
        if let error = delivery.headerTableError { return .failed(reason: error, malformed: true) }
        return try apply(body: delivery.body, in: transaction)
    }

    /// Applies one message body inside `transaction`, in its own savepoint: the inbox check, the
    /// effects (with the events they append to the outbox) and the inbox record, or nothing.
    /// - Throws: only when the store itself failed (disk full, read-only, I/O): the whole
    ///   transaction is then rolled back, instead of the message being retried or parked.
    public func apply(body: Data, in transaction: StoreTransaction) throws -> ReactionOutcome {
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope(body: body)
        } catch {
            return .failed(reason: "\(error)", malformed: true)
        }
        return try apply(envelope, in: transaction)
    }

    /// Applies `envelope` inside `transaction`, like ``apply(body:in:)``.
    public func apply(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws -> ReactionOutcome {
        let eventId = envelope.metadata.eventId
        do {
            if try transaction.hasHandled(eventId: eventId) { return .duplicate }
            try transaction.savepoint {
                try handle(envelope, in: transaction)
                try transaction.recordHandled(eventId: eventId)
            }
            return .handled
        } catch let error as EnvelopeError {
            return .failed(reason: "\(error)", malformed: true)
        } catch where StoreHealth.storeFailureReason(error) != nil {
            throw error
        } catch {
            return .failed(reason: "\(error)", malformed: false)
        }
    }

    /// Applies `envelope` to `database` in a transaction of its own, with no broker involved:
    /// what the consumer does for one delivery, for tests and simulations in-process.
    public func apply(_ envelope: EventEnvelope, to database: EventStoreDatabase) async throws -> ReactionOutcome {
        try await database.write { transaction in try apply(envelope, in: transaction) }
    }
}
