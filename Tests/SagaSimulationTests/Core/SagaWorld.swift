import Contracts
import Foundation

/// One schedule: the four services on their own SQLite files, the simulated broker, the
/// customers' ledger and the schedule log, moved one step at a time by the seed's generator.
final class SagaWorld {
    static let participants: [ServiceName] = [.order, .payment, .inventory]
    static let customers = ["c-1", "c-2", "c-3"]
    static let skus = ["SKU-1", "SKU-2", "SKU-3"]

    var random: SplitMix64
    var log: ScheduleLog
    let broker = SimulatedBroker(services: SagaWorld.participants)
    let services: [ServiceName: SimulatedParticipant]
    let projection: SimulatedProjection
    var ledger = SimulationLedger()
    /// Answers no customer should ever get (a 5xx, an unexpected status): failures of the schedule.
    var unexpected: [String] = []
    /// How often each kind of fault and outcome happened: deliveries, redeliveries, duplicates, retries, parked, crashes.
    var tally: [String: Int] = [:]
    /// The saga timeout the order-service is configured with.
    let sagaTimeout: TimeInterval

    init(seed: UInt64, services: [ServiceName: SimulatedParticipant], projection: SimulatedProjection, sagaTimeout: TimeInterval) {
        random = SplitMix64(seed: seed)
        log = ScheduleLog(seed: seed)
        self.services = services
        self.projection = projection
        self.sagaTimeout = sagaTimeout
    }

    func service(_ name: ServiceName) -> SimulatedParticipant { services[name]! }

    // MARK: - Choosing the next step

    /// Every step possible now, with its weight.
    func possibleSteps() async throws -> [(weight: Int, step: Step)] {
        var steps: [(weight: Int, step: Step)] = []
        for name in Self.participants {
            let service = service(name)
            let queue = broker[name]
            guard service.isUp else {
                steps.append((6, .restart(name)))
                continue
            }
            if !queue.ready.isEmpty {
                // Mostly the head (FIFO), sometimes any message (delayed, reordered), sometimes a batch.
                let index = random.percent(70) ? 0 : random.below(queue.ready.count)
                let count = random.percent(75) ? 1 : random.inRange(1...min(4, queue.ready.count - index))
                steps.append((30, .deliver(name, index: index, count: count, crashBeforeCommit: false)))
                steps.append((2, .deliver(name, index: index, count: count, crashBeforeCommit: true)))
                steps.append((2, .duplicate(name, index: random.below(queue.ready.count))))
            }
            if !service.handledUnacked.isEmpty { steps.append((12, .ack(name))) }
            if !queue.delayed.isEmpty { steps.append((8, .releaseRetry(name, index: random.below(queue.delayed.count)))) }
            if try await service.unpublishedCount() > service.confirmedUnmarked.count {
                steps.append((14, .relay(name, limit: random.inRange(1...4), markNow: random.percent(75))))
            }
            if !service.confirmedUnmarked.isEmpty { steps.append((8, .mark(name))) }
            steps.append((2, .crash(name)))
        }
        if service(.payment).isUp {
            steps.append((4, .deposit(customer: random.pick(Self.customers), amount: random.inRange(1...8) * 500)))
        }
        if service(.inventory).isUp {
            steps.append((4, .restock(sku: random.pick(Self.skus), quantity: random.inRange(1...4))))
        }
        if service(.order).isUp {
            let lineCount = random.inRange(1...2)
            let lines = (0..<lineCount).map { _ in (sku: random.pick(Self.skus), quantity: random.inRange(1...3), unitPrice: random.inRange(1...12) * 100) }
            steps.append((7, .placeOrder(customer: random.pick(Self.customers), lines: lines)))
            if !ledger.orders.isEmpty { steps.append((2, .cancelOrder(index: random.below(ledger.orders.count)))) }
            steps.append((1, .sagaDeadlinesPass))
        }
        if projection.isUp {
            let source = random.pick(Self.participants)
            if service(source).isUp { steps.append((8, .projectionCatchUp(source, limit: random.inRange(1...5)))) }
            steps.append((1, .crash(.projection)))
        } else {
            steps.append((5, .restart(.projection)))
        }
        return steps
    }

    /// Picks one of `steps` with probability proportional to its weight.
    func choose(_ steps: [(weight: Int, step: Step)]) -> Step {
        var ticket = random.below(steps.reduce(0) { $0 + $1.weight })
        for candidate in steps {
            if ticket < candidate.weight { return candidate.step }
            ticket -= candidate.weight
        }
        return steps[steps.count - 1].step
    }
}
