import EventSourcing

/// A minimal aggregate for exercising the store: a counter that can be incremented.
struct Incremented: EventPayload, Equatable {
    static let eventType = "CounterIncremented"
    static let aggregateType = "Counter"
    var by: Int
}

enum CounterEvent: EventFamily, Equatable {
    case incremented(Incremented)

    static let payloadTypes: [any EventPayload.Type] = [Incremented.self]

    init?(payload: any EventPayload) {
        guard let event = payload as? Incremented else { return nil }
        self = .incremented(event)
    }

    var payload: any EventPayload {
        switch self {
        case .incremented(let event): event
        }
    }
}

struct Counter: Aggregate {
    static let aggregateType = "Counter"
    static let initial = Counter(value: 0)
    var value: Int

    func evolve(with event: CounterEvent) -> Counter {
        switch event {
        case .incremented(let incremented): Counter(value: value + incremented.by)
        }
    }
}
