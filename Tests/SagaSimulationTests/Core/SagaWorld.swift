import Contracts
import EventStore
import Foundation
import Messaging
import ServiceKit

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

    // MARK: - Performing a step

    /// Performs `step` and records it in the log.
    func perform(_ step: Step) async throws {
        switch step {
        case .deliver(let name, let index, let count, let crashBeforeCommit):
            let service = service(name)
            let taken = (0..<count).map { _ in broker.deliver(from: name, at: index) }
            let deliveries = taken.map(\.delivery)
            let labels = taken.map { label(of: $0.message, as: $0.delivery) }
            tally["deliveries", default: 0] += deliveries.count
            tally["redeliveries", default: 0] += deliveries.filter(\.redelivered).count
            guard let outcomes = try await service.consume(deliveries, broker: broker, crashBeforeCommit: crashBeforeCommit) else {
                tally["crashes", default: 0] += 1
                record("deliver \(labels.joined(separator: ", ")) to \(name.rawValue), which CRASHES before committing")
                return
            }
            for outcome in outcomes {
                for kind in ["duplicate", "retried", "parked"] where outcome.hasPrefix(kind) { tally[kind, default: 0] += 1 }
            }
            record("deliver \(zip(labels, outcomes).map { "\($0) → \($1)" }.joined(separator: ", ")) to \(name.rawValue)")
        case .ack(let name):
            record("\(name.rawValue) acks \(service(name).handledUnacked.count) deliveries")
            service(name).ack(broker)
        case .relay(let name, let limit, let markNow):
            let service = service(name)
            let published = try await service.relay(limit: limit, broker: broker)
            if markNow { try await service.markConfirmed() }
            record("\(name.rawValue) relay publishes \(published) event(s)\(markNow || published == 0 ? " and marks them" : ", not marked yet")")
        case .mark(let name):
            record("\(name.rawValue) relay marks \(service(name).confirmedUnmarked.count) event(s) published")
            try await service(name).markConfirmed()
        case .releaseRetry(let name, let index):
            let message = broker.releaseDelayed(name, at: index)
            record("retry delay passes for \(label(of: message)) of \(name.rawValue)")
        case .duplicate(let name, let index):
            let copy = broker.duplicate(name, at: index)
            record("broker duplicates \(label(of: copy)) in \(name.rawValue)")
        case .crash(let name):
            record("CRASH \(name.rawValue)")
            tally["crashes", default: 0] += 1
            if name == .projection { projection.crash() } else { service(name).crash(broker) }
        case .restart(let name):
            record("restart \(name.rawValue)")
            if name == .projection { try await projection.start() } else { try service(name).start() }
        case .deposit(let customer, let amount):
            let status = try await post(.payment, "/accounts/\(customer)/deposits", ["amount": amount])
            if status == 200 { ledger.deposits[customer, default: 0] += amount }
            record("\(customer) deposits \(amount) → \(status)")
            expect(status, [200], "deposit")
        case .restock(let sku, let quantity):
            let status = try await post(.inventory, "/products/\(sku)/restock", ["quantity": quantity, "name": "Widget"])
            if status == 200 { ledger.stock[sku, default: 0] += quantity }
            record("restock \(quantity) × \(sku) → \(status)")
            expect(status, [200], "restock")
        case .placeOrder(let customer, let lines):
            let items = lines.map { ["sku": $0.sku, "quantity": $0.quantity, "unitPrice": $0.unitPrice] as [String: Any] }
            let (status, body) = try await service(.order).routes!.send(
                .post, "/orders", json: try JSONSerialization.data(withJSONObject: ["customerId": customer, "currency": "USD", "items": items]))
            let orderId = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["orderId"] as? String
            if status == 202, let orderId { ledger.orders.append(.init(orderId: orderId, customer: customer, lines: lines)) }
            let description = lines.map { "\($0.quantity) × \($0.sku) @ \($0.unitPrice)" }.joined(separator: ", ")
            record("\(customer) places \(orderId.map(ledger.label(ofOrder:)) ?? "an order") (\(description)) → \(status)")
            expect(status, [202], "place order")
        case .cancelOrder(let index):
            let order = ledger.orders[index]
            let (status, _) = try await service(.order).routes!.send(.post, "/orders/\(order.orderId)/cancel")
            record("\(order.customer) cancels order#\(index + 1) → \(status)")
            expect(status, [200, 202], "cancel order")
        case .sagaDeadlinesPass:
            let runtime = service(.order).runtime!
            let cancelled = try await SagaServices.expireSagaDeadlines(runtime, now: Date().addingTimeInterval(sagaTimeout + 1))
            record("saga deadlines pass: \(cancelled.map(ledger.label(ofOrder:)).sorted().joined(separator: ", ")) cancelled (timeout)")
        case .projectionCatchUp(let source, let limit):
            let applied = try await projection.catchUp(source, from: service(source).database!, limit: limit)
            record("projection-service reads \(source.rawValue)'s feed (limit \(limit)): \(applied) applied")
        }
    }

    /// Records a step, with order ids replaced by their labels and any other UUID by `<id>`, so
    /// that the same seed writes the same log.
    func record(_ step: String) {
        var text = step
        for (index, order) in ledger.orders.enumerated() { text = text.replacingOccurrences(of: order.orderId, with: "order#\(index + 1)") }
        text = text.replacingOccurrences(
            of: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", with: "<id>", options: .regularExpression)
        log.record(text)
    }

    private func post(_ name: ServiceName, _ uri: String, _ json: [String: Any]) async throws -> Int {
        try await service(name).routes!.send(.post, uri, json: try JSONSerialization.data(withJSONObject: json)).status
    }

    private func expect(_ status: Int, _ expected: [Int], _ what: String) {
        if !expected.contains(status) { unexpected.append("step \(log.count): \(what) answered \(status)") }
    }

    /// `#12 order.placed (order#2) redelivered attempt 2`.
    func label(of message: SimulatedMessage, as delivery: Delivery) -> String {
        label(of: message) + (delivery.redelivered ? " redelivered" : "") + (delivery.attempt > 1 ? " attempt \(delivery.attempt)" : "")
    }

    func label(of message: SimulatedMessage) -> String {
        "\(message.label) (\(ledger.label(ofOrder: message.properties.correlationId ?? "")))"
    }
}
