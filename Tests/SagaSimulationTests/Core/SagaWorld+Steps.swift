import Contracts
import Foundation
import Messaging

extension SagaWorld {
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
