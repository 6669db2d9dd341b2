/// A closed family of events, usually an `enum` with one case per ``EventPayload``.
public protocol EventFamily: Sendable {
    /// Every payload type of the family, used to decode stored events by their type name.
    static var payloadTypes: [any EventPayload.Type] { get }
    /// Wraps a payload of one of ``payloadTypes``; `nil` for any other.
    init?(payload: any EventPayload)
    /// The payload this event carries.
    var payload: any EventPayload { get }
}

extension EventFamily {
    /// The payload type registered for `eventType`, if any.
    public static func payloadType(for eventType: String) -> (any EventPayload.Type)? {
        payloadTypes.first { $0.eventType == eventType }
    }
}
