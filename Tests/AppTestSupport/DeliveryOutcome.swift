import ServiceKit

/// What the consumer decided for one delivery, as a test reads it.
public struct DeliveryOutcome: Sendable, CustomStringConvertible {
    let outcome: EventConsumer.Outcome

    public init(_ outcome: EventConsumer.Outcome) {
        self.outcome = outcome
    }

    /// Handled now: its effects and its inbox record committed.
    public var isHandled: Bool { if case .handled = outcome { true } else { false } }
    /// Handled before: acked, nothing changed.
    public var isDuplicate: Bool { if case .duplicate = outcome { true } else { false } }
    /// Failed and parked at once (not an envelope, malformed, or not a reaction of this service).
    public var parksAtOnce: Bool { if case .failed(_, true) = outcome { true } else { false } }
    /// Failed, to be retried through the delay queues.
    public var isRetried: Bool { if case .failed(_, false) = outcome { true } else { false } }

    public var description: String { "\(outcome)" }
}
