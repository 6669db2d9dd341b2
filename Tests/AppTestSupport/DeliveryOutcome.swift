import Delivery

/// What the consumer decided for one delivery, as a test reads it.
public struct DeliveryOutcome: Sendable, CustomStringConvertible {
    let outcome: ReactionOutcome

    public init(_ outcome: ReactionOutcome) {
        self.outcome = outcome
    }

    /// Handled now: its effects and its inbox record committed.
    public var isHandled: Bool { outcome == .handled }
    /// Handled before: acked, nothing changed.
    public var isDuplicate: Bool { outcome == .duplicate }
    /// Failed and parked at once (not an envelope, malformed, or not a reaction of this service).
    public var parksAtOnce: Bool { if case .failed(_, true) = outcome { true } else { false } }
    /// Failed, to be retried through the delay queues.
    public var isRetried: Bool { if case .failed(_, false) = outcome { true } else { false } }

    public var description: String { "\(outcome)" }
}
