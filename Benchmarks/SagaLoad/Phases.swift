/// The three shapes of load, each placing `count` orders through an `OrderPlacer`.
enum Phase: String, CaseIterable, Sendable {
    /// One order at a time: each waits for its saga to end before the next is placed.
    case sequential
    /// Open loop: orders placed on a fixed schedule, whatever the answers and the sagas do.
    case open
    /// Closed loop: `concurrency` sagas in flight, each worker placing the next order as soon as
    /// its previous saga ended; as fast as the system goes.
    case saturated
}

/// Places one order over HTTP and records when it was sent.
struct OrderPlacer: Sendable {
    let poster: any HTTPPoster
    let catalogue: Catalogue
    let recorder: OutcomeRecorder

    /// Returns the new order's id, or nil when the request failed (counted by the recorder).
    func place() async -> String? {
        let sentAt = ContinuousClock.now
        guard let answer = try? await poster.post("/orders", json: catalogue.randomOrder()),
            answer.status == 202, let orderId = OrderIdScanner.orderId(in: answer.body)
        else {
            await recorder.requestFailed()
            return nil
        }
        await recorder.placed(orderId, at: sentAt)
        return orderId
    }

    /// Places an order and waits for its saga to end (at most `timeout`).
    func placeAndWait(timeout: Duration) async {
        if let orderId = await place() { _ = await recorder.waitForEnd(of: orderId, timeout: timeout) }
    }
}

/// Runs one phase's placements; returns when the last order was placed (the caller then waits
/// for the sagas still running).
struct PhaseDriver: Sendable {
    let placer: OrderPlacer
    let sagaTimeout: Duration = .seconds(30)

    func sequential(count: Int) async {
        for _ in 0..<count { await placer.placeAndWait(timeout: sagaTimeout) }
    }

    func open(count: Int, rate: Double) async {
        let start = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            for index in 0..<count {
                try? await Task.sleep(until: start + .seconds(Double(index) / rate), clock: .continuous)
                group.addTask { _ = await placer.place() }
            }
        }
    }

    func saturated(count: Int, concurrency: Int) async {
        let tickets = Tickets(count)
        await withDiscardingTaskGroup { group in
            for _ in 0..<min(concurrency, count) {
                group.addTask {
                    while await tickets.take() { await placer.placeAndWait(timeout: sagaTimeout) }
                }
            }
        }
    }
}

/// Hands out `count` tickets to the closed loop's workers.
actor Tickets {
    private var remaining: Int
    init(_ count: Int) { remaining = count }

    func take() -> Bool {
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }
}
