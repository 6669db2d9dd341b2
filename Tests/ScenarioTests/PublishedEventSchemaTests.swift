import Foundation
import Logging
import Messaging
import Testing
import TestSupport

/// What the real services publish along every saga path validates against the event catalog
/// (docs/events): each event of each service's feed, and each message as it arrived on a queue
/// bound to every exchange, body, AMQP properties and headers alike.
@Suite("Published events match the event catalog", .serialized, .timeLimit(.minutes(30)))
struct PublishedEventSchemaTests {
    /// Every event type of the contract: the scenario below must make each one at least once.
    static let everyEventType: Set<String> = [
        "OrderPlaced", "OrderConfirmed", "OrderCancelled",
        "PaymentAuthorized", "PaymentDeclined", "PaymentRefunded", "AccountDeposited", "AccountDebited", "AccountCredited",
        "InventoryReserved", "InventoryReservationFailed", "InventoryReleased",
        "ProductRestocked", "ProductStockCorrected", "ProductReserved", "ProductReleased",
    ]

    @Test func everyEventTheServicesPublishAlongTheSagaPathsValidatesAgainstItsSchema() async throws {
        try await withSagaSystem { system in
            let capture = try await CaptureQueue.open(on: system)
            do {
                try await runEverySagaPath(system)
                let (feedEvents, deliveries) = try await settle(system, capture)

                let types = Set(feedEvents.compactMap { $0.event["eventType"]?.stringValue })
                #expect(Self.everyEventType.subtracting(types).isEmpty, "never published: \(Self.everyEventType.subtracting(types).sorted())")
                var cases = feedEvents.map { entry -> JSONValue in
                    .object(["label": .string("\(entry.service) feed, position \(entry.event["position"]?.intValue ?? 0)"), "message": entry.event])
                }
                cases += deliveries.map(\.catalogCase)
                expectMessagesAreTheirFeedEntries(deliveries, feedEvents)
                let report = try await CatalogValidator.validate(cases: cases)
                #expect(report.failures.isEmpty, "\(report.summary)")
                #expect(report.checked == cases.count)
                print("catalog: \(feedEvents.count) feed events and \(deliveries.count) messages validated (\(types.count) event types)")
            } catch {
                await capture.close()
                throw error
            }
            // No invariant check here: the restock with a reason and the stock correction go
            // around the harness's ledger (the saga paths' invariants are SagaPathTests' job).
            await capture.close()
        }
    }

    /// Each message is its feed entry without `position`, and claims that position in `x-source-position`.
    private func expectMessagesAreTheirFeedEntries(_ deliveries: [CapturedDelivery], _ feedEvents: [FeedEvent]) {
        var entries: [String: JSONValue] = [:]
        for entry in feedEvents {
            if let id = entry.event["eventId"]?.stringValue { entries[id] = entry.event }
        }
        for captured in deliveries {
            let id = captured.body["eventId"]?.stringValue ?? "?"
            guard let entry = entries[id], case .object(var fields) = entry else { continue }
            let position = fields.removeValue(forKey: "position")
            #expect(captured.body == .object(fields), "message \(id) differs from its feed entry")
            #expect(captured.delivery.properties.headers["x-source-position"].map(\.catalogJSON) == position,
                    "message \(id) claims another position than its feed's \(position.map(String.init(describing:)) ?? "none")")
        }
    }

    /// Deposits, restocks (both reasons), a stock correction, and an order down every path:
    /// confirmed, declined (short of money, no account), out of stock (too few, unknown SKU),
    /// cancelled at once, cancelled after its confirmation.
    private func runEverySagaPath(_ system: SagaSystem) async throws {
        try await system.deposit(customerId: "c-cat-rich", amount: 100_000)
        try await system.deposit(customerId: "c-cat-poor", amount: 100)
        try await system.restock(sku: "SKU-CAT-A", quantity: 20, name: "Catalog widget")
        let returned = try await system.inventoryService.client.post(
            "/products/SKU-CAT-A/restock", raw: #"{"quantity": 1, "reason": "customer_return"}"#, contentType: "application/json")
        #expect(returned.status == 200, "\(returned)")
        let corrected = try await system.inventoryService.client.post(
            "/admin/products/SKU-CAT-A/corrections", raw: #"{"available": 22, "reason": "one more found in the count"}"#,
            contentType: "application/json", headers: ["Authorization": "Bearer \(system.configuration.adminToken ?? "")"])
        #expect(corrected.status == 200, "\(corrected)")

        let line = { (sku: String, quantity: Int, price: Int) in [OrderLine(sku: sku, quantity: quantity, unitPrice: price)] }
        let expected: [(String, OrderStatus)] = [
            (try await system.placeOrder(customerId: "c-cat-rich", items: line("SKU-CAT-A", 2, 1000)), .confirmed),
            (try await system.placeOrder(customerId: "c-cat-poor", items: line("SKU-CAT-A", 1, 5000)), .cancelled),
            (try await system.placeOrder(customerId: "c-cat-nobody", items: line("SKU-CAT-A", 1, 10)), .cancelled),
            (try await system.placeOrder(customerId: "c-cat-rich", items: line("SKU-CAT-A", 500, 1)), .cancelled),
            (try await system.placeOrder(customerId: "c-cat-rich", items: line("SKU-CAT-NONE", 1, 1)), .cancelled),
        ]
        let cancelledAtOnce = try await system.placeOrder(customerId: "c-cat-rich", items: line("SKU-CAT-A", 1, 100))
        try await system.cancelOrder(cancelledAtOnce)
        let confirmedThenCancelled = try await system.placeOrder(customerId: "c-cat-rich", items: line("SKU-CAT-A", 3, 100))
        let confirmed = try await system.waitForFinalStatus(confirmedThenCancelled)
        #expect(confirmed.status == .confirmed, "\(confirmed)")
        try await system.cancelOrder(confirmedThenCancelled)
        for (orderId, status) in expected {
            let order = try await system.waitForFinalStatus(orderId)
            #expect(order.status == status, "\(order)")
        }
        _ = try await waitUntil("the confirmed order's cancellation is refunded", read: { try await system.payment(orderId: confirmedThenCancelled) }) {
            $0?.status == .refunded
        }
    }

    /// Reads every feed to its end and drains the capture queue until it holds every event of the
    /// feeds, again until the feeds stop growing (late compensations included).
    private func settle(_ system: SagaSystem, _ capture: CaptureQueue) async throws -> (feeds: [FeedEvent], deliveries: [CapturedDelivery]) {
        var deliveries: [CapturedDelivery] = []
        var previousCount = -1
        while true {
            let feedEvents = try await readFeeds(system)
            let ids = Set(feedEvents.compactMap { $0.event["eventId"]?.stringValue })
            deliveries = try await waitUntil("every event of the feeds arrived on the capture queue") {
                deliveries += try await capture.drain()
                let seen = Set(deliveries.compactMap { $0.body["eventId"]?.stringValue })
                let missing = ids.subtracting(seen)
                return missing.isEmpty ? .done(deliveries) : .notYet(seen: "\(missing.count) of \(ids.count) events not delivered yet")
            }
            if feedEvents.count == previousCount { return (feedEvents, deliveries) }
            previousCount = feedEvents.count
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    private func readFeeds(_ system: SagaSystem) async throws -> [FeedEvent] {
        var result: [FeedEvent] = []
        for service in [system.orderService, system.paymentService, system.inventoryService] {
            var after = 0
            while true {
                let response = try await service.client.get("/events?after=\(after)&limit=1000")
                #expect(response.status == 200, "\(response)")
                let events = response.json?["events"]?.arrayValue ?? []
                if events.isEmpty { break }
                result += events.map { FeedEvent(service: service.name, event: $0) }
                after = response.json?["nextPosition"]?.intValue ?? after
            }
        }
        return result
    }
}

/// One entry of a service's event feed.
private struct FeedEvent: Sendable {
    var service: String
    var event: JSONValue
}

/// One message as it arrived on the capture queue.
private struct CapturedDelivery: Sendable {
    var delivery: Delivery
    var body: JSONValue

    /// A case of `Tests/Catalog/validate`: the body, its properties and headers, where it was published.
    var catalogCase: JSONValue {
        let properties = delivery.properties
        var fields: [String: JSONValue] = ["delivery_mode": .int(properties.persistent ? 2 : 1)]
        if let value = properties.messageId { fields["message_id"] = .string(value) }
        if let value = properties.correlationId { fields["correlation_id"] = .string(value) }
        if let value = properties.type { fields["type"] = .string(value) }
        if let value = properties.contentType { fields["content_type"] = .string(value) }
        if let value = properties.appId { fields["app_id"] = .string(value) }
        if let value = properties.timestamp { fields["timestamp"] = .int(Int(value.timeIntervalSince1970)) }
        return .object([
            "label": .string("message \(properties.messageId ?? "?") on \(delivery.exchange) with \(delivery.routingKey)"),
            "message": body,
            "properties": .object(fields),
            "headers": .object(properties.headers.mapValues(\.catalogJSON)),
            "exchange": .string(delivery.exchange),
            "routingKey": .string(delivery.routingKey),
        ])
    }
}

extension AMQPFieldValue {
    fileprivate var catalogJSON: JSONValue {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int(Int(value))
        case .bool(let value): .bool(value)
        case .double(let value): .double(value)
        case .array(let values): .array(values.map(\.catalogJSON))
        case .table(let fields): .object(fields.mapValues(\.catalogJSON))
        }
    }
}

/// A queue of the test's own, bound to `#` on every exchange: a copy of every message published.
private struct CaptureQueue: Sendable {
    static let name = "catalog-capture"
    let connection: AMQPConnection

    static func open(on system: SagaSystem) async throws -> CaptureQueue {
        var logger = Logger(label: "catalog-capture")
        logger.logLevel = .warning
        let connection = try await AMQPConnection.connect(
            to: try AMQPURL(system.broker.amqpURL), name: "catalog capture", confirmMode: false, logger: logger)
        let exchanges = ["orders", "payments", "inventory"]
        try await connection.declare(Topology(
            exchanges: exchanges.map { ExchangeDeclaration(name: $0) },
            queues: [QueueDeclaration(name: name, durable: false)],
            bindings: exchanges.map { QueueBinding(queue: name, exchange: $0, routingKey: "#") }))
        return CaptureQueue(connection: connection)
    }

    /// Every message waiting now, acked.
    func drain() async throws -> [CapturedDelivery] {
        var result: [CapturedDelivery] = []
        while let delivery = try await connection.get(queue: Self.name) {
            connection.ack(delivery.deliveryTag)
            let body = (try? JSONDecoder().decode(JSONValue.self, from: delivery.body)) ?? .string(String(decoding: delivery.body, as: UTF8.self))
            result.append(CapturedDelivery(delivery: delivery, body: body))
        }
        return result
    }

    func close() async { await connection.close() }
}
