/// An event-sourced aggregate: its state is the left fold of its events through ``evolve(with:)``.
public protocol Aggregate: Sendable {
    associatedtype Event: EventFamily
    /// The stream kind, e.g. `Order`.
    static var aggregateType: String { get }
    /// The state before any event.
    static var initial: Self { get }
    /// The state after `event`. Pure; never fails (events are facts).
    func evolve(with event: Event) -> Self
}

extension Aggregate {
    /// The state after replaying `events` from ``initial``.
    public static func replay(_ events: some Sequence<Event>) -> Self {
        events.reduce(initial) { $0.evolve(with: $1) }
    }
}

/// An aggregate's state together with the version of the last event it has seen (0 = no events).
public struct Versioned<State: Aggregate>: Sendable {
    public var state: State
    public var version: Int

    public init(state: State, version: Int) {
        self.state = state
        self.version = version
    }
}
