import Foundation
import Logging
import Messaging
import Synchronization
import Testing
import TestSupport

// Helpers of the fault-tolerance scenarios: a raw publisher that behaves like a duplicating or
// misbehaving peer, envelopes built by hand, the admin dead-letter API, /metrics, the event feeds,
// a load generator that survives order-service restarts, and a log of recovery figures.

// MARK: - Raw publishing

/// A confirm-mode connection to the scenario's broker, publishing whatever the test hands it.
final class RawPublisher: Sendable {
    private let connection: AMQPConnection

    private init(connection: AMQPConnection) { self.connection = connection }

    static func connect(to system: SagaSystem) async throws -> RawPublisher {
        var logger = Logger(label: "fault-tolerance-tests")
        logger.logLevel = .warning
        let connection = try await AMQPConnection.connect(
            to: try AMQPURL(system.broker.amqpURL), name: "fault-tolerance test publisher", confirmMode: true, logger: logger)
        return RawPublisher(connection: connection)
    }

    /// Publishes one persistent message and returns once the broker confirmed it.
    func publish(
        exchange: String, routingKey: String, body: Data, messageId: String?, type: String? = nil, correlationId: String? = nil,
        headers: [String: AMQPFieldValue] = ["schema-version": .int(1)]
    ) async throws {
        try await connection.publish(OutgoingMessage(
            exchange: exchange, routingKey: routingKey, body: Array(body),
            properties: MessageProperties(
                messageId: messageId, correlationId: correlationId, type: type, contentType: "application/json",
                appId: "fault-tolerance-tests", timestamp: Date(), headers: headers)))
    }

    /// Publishes an envelope body (a `JSONValue` object) to the exchange and routing key its event type travels on.
    func publish(envelope: JSONValue) async throws {
        guard let type = envelope["eventType"]?.stringValue, let route = Route.of(eventType: type) else {
            throw HTTPClientError("cannot route envelope \(envelope)")
        }
        try await publish(
            exchange: route.exchange, routingKey: route.routingKey, body: try JSONEncoder().encode(envelope),
            messageId: envelope["eventId"]?.stringValue, type: type, correlationId: envelope["correlationId"]?.stringValue)
    }

    func close() async { await connection.close() }
}

/// Where each saga event travels (contract section 4.1).
struct Route: Sendable {
    var exchange: String
    var routingKey: String

    static func of(eventType: String) -> Route? {
        switch eventType {
        case "OrderPlaced": Route(exchange: "orders", routingKey: "order.placed")
        case "OrderConfirmed": Route(exchange: "orders", routingKey: "order.confirmed")
        case "OrderCancelled": Route(exchange: "orders", routingKey: "order.cancelled")
        case "PaymentAuthorized": Route(exchange: "payments", routingKey: "payment.authorized")
        case "PaymentDeclined": Route(exchange: "payments", routingKey: "payment.declined")
        case "PaymentRefunded": Route(exchange: "payments", routingKey: "payment.refunded")
        case "InventoryReserved": Route(exchange: "inventory", routingKey: "inventory.reserved")
        case "InventoryReservationFailed": Route(exchange: "inventory", routingKey: "inventory.reservation_failed")
        case "InventoryReleased": Route(exchange: "inventory", routingKey: "inventory.released")
        default: nil
        }
    }
}

/// Envelopes of contract section 4.2, built by hand as a foreign publisher would.
enum Envelope {
    static func make(
        eventType: String, aggregateType: String, aggregateId: String, aggregateVersion: Int = 1,
        correlationId: String, causationId: String? = nil, payload: JSONValue,
        eventId: String = UUID().uuidString.lowercased()
    ) -> JSONValue {
        var fields: [String: JSONValue] = [
            "eventId": .string(eventId), "eventType": .string(eventType), "schemaVersion": .int(1),
            "aggregateType": .string(aggregateType), "aggregateId": .string(aggregateId),
            "aggregateVersion": .int(aggregateVersion), "occurredAt": .string(timestamp(Date())),
            "correlationId": .string(correlationId), "payload": payload,
        ]
        if let causationId { fields["causationId"] = .string(causationId) }
        return .object(fields)
    }

    static func orderPlaced(orderId: String, customerId: String, items: [OrderLine]) -> JSONValue {
        let total = items.reduce(0) { $0 + $1.quantity * $1.unitPrice }
        return make(
            eventType: "OrderPlaced", aggregateType: "Order", aggregateId: orderId, correlationId: orderId,
            payload: .object([
                "orderId": .string(orderId), "customerId": .string(customerId), "currency": .string("USD"),
                "items": .array(items.map {
                    .object(["sku": .string($0.sku), "quantity": .int($0.quantity), "unitPrice": .int($0.unitPrice)])
                }),
                "total": .int(total), "placedAt": .string(timestamp(Date())),
            ]))
    }

    static func inventoryReserved(orderId: String, items: [OrderLine]) -> JSONValue {
        make(
            eventType: "InventoryReserved", aggregateType: "Inventory", aggregateId: orderId, correlationId: orderId,
            payload: .object(["orderId": .string(orderId), "items": stockLines(items)]))
    }

    static func inventoryReservationFailed(orderId: String, items: [OrderLine], reason: String = "insufficient_stock") -> JSONValue {
        make(
            eventType: "InventoryReservationFailed", aggregateType: "Inventory", aggregateId: orderId, correlationId: orderId,
            payload: .object([
                "orderId": .string(orderId), "items": stockLines(items), "reason": .string(reason),
                "skus": .array(items.map { .string($0.sku) }),
            ]))
    }

    private static func stockLines(_ items: [OrderLine]) -> JSONValue {
        .array(items.map { .object(["sku": .string($0.sku), "quantity": .int($0.quantity)]) })
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func data(_ envelope: JSONValue) throws -> Data { try JSONEncoder().encode(envelope) }
}

// MARK: - Admin dead-letter API

struct DeadLetter: Decodable, Sendable, CustomStringConvertible {
    var id: String
    var eventType: String?
    var correlationId: String?
    var originalExchange: String?
    var originalRoutingKey: String?
    var reason: String?
    var error: String?
    var attempts: Int
    var parkedAt: String?
    var source: String?
    var body: String

    var description: String {
        "dead letter \(id) [\(reason ?? "nil")] type=\(eventType ?? "nil") source=\(source ?? "nil") correlation=\(correlationId ?? "nil") from=\(originalExchange ?? "nil")/\(originalRoutingKey ?? "nil") attempts=\(attempts) parkedAt=\(parkedAt ?? "nil") error=\(error ?? "nil")"
    }
}

struct DeadLetterPage: Decodable, Sendable {
    var deadLetters: [DeadLetter]
    var total: Int
    var limit: Int
    var nextCursor: String?
}

extension SagaSystem {
    var adminHeaders: [String: String] { ["Authorization": "Bearer \(configuration.adminToken ?? "")"] }

    /// `GET /admin/dead-letters?limit=&cursor=&<filter>` on one service (`filter` as query items, unencoded).
    func deadLetters(
        _ service: ServiceName, limit: Int = 500, cursor: String? = nil, filter: [String: String] = [:]
    ) async throws -> DeadLetterPage {
        var query = filter
        query["limit"] = "\(limit)"
        if let cursor { query["cursor"] = cursor }
        let response = try await self.service(service).client.get("/admin/dead-letters?\(Self.queryString(query))", headers: adminHeaders)
        guard response.status == 200 else { throw HTTPClientError("expected 200, got \(response)") }
        return try response.decode(DeadLetterPage.self)
    }

    /// Query items, sorted by name and percent-encoded.
    static func queryString(_ items: [String: String]) -> String {
        var components = URLComponents()
        components.queryItems = items.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        // `+` is a space in a query: encode it too (times carry `+00:00` offsets).
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    func replayDeadLetter(_ service: ServiceName, id: String) async throws -> HTTPResponse {
        try await self.service(service).client.send("POST", "/admin/dead-letters/\(id)/replay", headers: adminHeaders)
    }

    func discardDeadLetter(_ service: ServiceName, id: String) async throws -> HTTPResponse {
        try await self.service(service).client.delete("/admin/dead-letters/\(id)", headers: adminHeaders)
    }

    /// Polls the service's dead letters until one with `id` satisfies `condition`.
    @discardableResult
    func waitForDeadLetter(
        _ service: ServiceName, id: String, _ expectation: String = "parked", timeout: Duration = .seconds(60),
        where condition: @escaping @Sendable (DeadLetter) -> Bool = { _ in true }
    ) async throws -> DeadLetter {
        try await waitUntil("\(service) has dead letter \(id) \(expectation)", timeout: timeout, interval: .milliseconds(250)) {
            let page = try await self.deadLetters(service)
            if let letter = page.deadLetters.first(where: { $0.id == id }), condition(letter) { return .done(letter) }
            return .notYet(seen: "\(page.total) parked: " + page.deadLetters.map(\.description).joined(separator: "; "))
        }
    }

    // MARK: Metrics and feeds

    /// The sum of every sample of `name` in the service's `/metrics` (0 when absent).
    func metric(_ service: ServiceName, _ name: String) async throws -> Double {
        let response = try await self.service(service).client.get("/metrics")
        guard response.status == 200 else { throw HTTPClientError("expected 200, got \(response)") }
        var sum = 0.0
        for line in response.text.split(separator: "\n") where !line.hasPrefix("#") && line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{", let value = rest.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            sum += value
        }
        return sum
    }

    /// Every event of a source service's feed (`GET /events`), oldest first.
    func feed(_ service: ServiceName) async throws -> [JSONValue] {
        var events: [JSONValue] = []
        var after = 0
        while true {
            let response = try await self.service(service).client.get("/events?after=\(after)&limit=1000")
            guard response.status == 200, let page = response.json, let batch = page["events"]?.arrayValue else {
                throw HTTPClientError("expected an event feed page, got \(response)")
            }
            events += batch
            guard batch.count == 1000, let next = page["nextPosition"]?.intValue else { return events }
            after = next
        }
    }

    /// `GET /ready` status of one service, nil when it does not answer at all.
    func readyStatus(_ service: ServiceName) async -> Int? {
        try? await self.service(service).client.send("GET", "/ready", timeout: 3).status
    }

    /// Places an order, retrying (with the same idempotency key) while order-service is down or
    /// restarting, so that a lost answer can never place the order twice.
    func placeOrderSurvivingRestarts(customerId: String, items: [OrderLine], key: String = UUID().uuidString) async throws -> String {
        try await waitUntil("order-service accepts order with idempotency key \(key)", timeout: .seconds(120), interval: .milliseconds(150)) {
            .done(try await self.placeOrder(customerId: customerId, items: items, idempotencyKey: key))
        }
    }

    /// `POST /orders/{id}/cancel` returning the raw answer (202, 200 or 409 are all meaningful).
    func requestCancel(_ orderId: String) async throws -> HTTPResponse {
        try await orderService.client.send("POST", "/orders/\(orderId)/cancel")
    }
}

// MARK: - Timing figures (printed, never asserted)

/// Recovery figures of a scenario, printed at its end for the closing note.
final class Figures: Sendable {
    private let scenario: String
    private let lines = Mutex<[String]>([])

    init(_ scenario: String) { self.scenario = scenario }

    func record(_ line: String) {
        lines.withLock { $0.append(line) }
        print("[figures] \(scenario): \(line)")
    }

    func summary() {
        let all = lines.withLock { $0 }
        print("[figures] ===== \(scenario) =====\n" + all.map { "[figures]   \($0)" }.joined(separator: "\n"))
    }
}

extension Duration {
    var seconds: String {
        let (s, attoseconds) = components
        return String(format: "%.2fs", Double(s) + Double(attoseconds) / 1e18)
    }
}

extension ServiceProcess {
    /// Starts the (stopped) service and waits until `/ready` is 200; returns how long that took.
    func startAndTimeReadiness(timeout: Duration = .seconds(90)) async throws -> Duration {
        let clock = ContinuousClock()
        let started = clock.now
        try await start()
        try await waitUntilReady(timeout: timeout)
        return clock.now - started
    }
}

// MARK: - Deterministic randomness

/// SplitMix64: reproducible "random" choices for a scenario.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A counter shared between the tasks of a scenario.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var current: Int { value.withLock { $0 } }
}
