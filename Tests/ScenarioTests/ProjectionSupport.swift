import Foundation
import Logging
import Messaging
import Testing
import TestSupport

// Helpers of the read-side scenarios: the read models as one comparable value, the sources'
// feeds, rebuilds through the admin API, and a raw connection to the projection's queue.

/// Everything projection-service serves about a set of orders, customers and products, as raw
/// JSON, so that two reads can be compared field by field.
struct ReadSideState: Equatable, Sendable {
    var orders: [String: JSONValue] = [:]
    var timelines: [String: JSONValue] = [:]
    var customers: [String: JSONValue] = [:]
    var products: JSONValue = .null
    /// `GET /orders` followed through every page, newest first.
    var listedOrderIds: [String] = []

    /// Reads the state from projection-service.
    static func read(_ system: SagaSystem, orders: [String], customers: [String]) async throws -> ReadSideState {
        let client = system.projectionService.client
        var state = ReadSideState()
        for id in orders {
            state.orders[id] = try await client.get("/orders/\(id)").json
            state.timelines[id] = try await client.get("/orders/\(id)/timeline").json
        }
        for customer in customers {
            state.customers[customer] = try await client.get("/customers/\(customer)").json
        }
        state.products = try await client.get("/products").json ?? .null
        state.listedOrderIds = try await system.allProjectedOrders(pageSize: 100).map(\.orderId)
        return state
    }

    /// What differs from `other`, one line per order, customer or list.
    func differences(to other: ReadSideState) -> [String] {
        var lines: [String] = []
        for id in Set(orders.keys).union(other.orders.keys).sorted() where orders[id] != other.orders[id] {
            lines.append("order \(id): \(orders[id]?.description ?? "nil") ≠ \(other.orders[id]?.description ?? "nil")")
        }
        for id in Set(timelines.keys).union(other.timelines.keys).sorted() where timelines[id] != other.timelines[id] {
            lines.append("timeline \(id): \(timelines[id]?.description ?? "nil") ≠ \(other.timelines[id]?.description ?? "nil")")
        }
        for id in Set(customers.keys).union(other.customers.keys).sorted() where customers[id] != other.customers[id] {
            lines.append("customer \(id): \(customers[id]?.description ?? "nil") ≠ \(other.customers[id]?.description ?? "nil")")
        }
        if products != other.products { lines.append("products: \(products) ≠ \(other.products)") }
        if listedOrderIds != other.listedOrderIds { lines.append("GET /orders: \(listedOrderIds) ≠ \(other.listedOrderIds)") }
        return lines
    }
}

extension SagaSystem {
    /// The sources of the read side, in `SOURCE_URLS` order.
    static let sources: [ServiceName] = [.order, .payment, .inventory]

    /// The newest position of each source's feed (paging through it without keeping the events).
    func feedHeads() async throws -> [ServiceName: Int] {
        struct Page: Decodable {
            struct Skipped: Decodable {
                init(from decoder: any Decoder) throws {}
            }
            var events: [Skipped]
            var nextPosition: Int
        }
        var heads: [ServiceName: Int] = [:]
        for source in Self.sources {
            var after = 0
            while true {
                let response = try await service(source).client.get("/events?after=\(after)&limit=1000")
                guard response.status == 200 else { throw HTTPClientError("expected an event feed page, got \(response)") }
                let page = try JSONDecoder().decode(Page.self, from: response.body)
                after = page.nextPosition
                if page.events.count < 1000 { break }
            }
            heads[source] = after
        }
        return heads
    }

    /// projection-service `GET /stats`.
    func projectionStats() async throws -> JSONValue {
        let response = try await projectionService.client.get("/stats")
        guard response.status == 200, let json = response.json else { throw HTTPClientError("expected 200, got \(response)") }
        return json
    }

    /// Waits until projection-service has applied each source up to its feed's newest position and reports no lag.
    /// - Parameter heads: the feeds' newest positions, when known already.
    @discardableResult
    func waitUntilProjectionCaughtUp(heads knownHeads: [ServiceName: Int]? = nil, timeout: Duration = .seconds(120)) async throws -> JSONValue {
        var heads = knownHeads ?? [:]
        if knownHeads == nil { heads = try await feedHeads() }
        return try await waitUntil("projection-service applied every source up to \(heads) with no lag", timeout: timeout) {
            let stats = try await self.projectionStats()
            let done = Self.sources.allSatisfy { source in
                stats["sources"]?[source.rawValue]?["position"]?.intValue == heads[source]
                    && stats["lag"]?[source.rawValue]?.intValue == 0
            }
            return done ? .done(stats) : .notYet(seen: "\(stats)")
        }
    }

    var projectionAdminHeaders: [String: String] { ["Authorization": "Bearer \(configuration.adminToken ?? "")"] }

    /// `POST /admin/rebuild` on projection-service.
    func requestRebuild() async throws -> HTTPResponse {
        try await projectionService.client.send("POST", "/admin/rebuild", headers: projectionAdminHeaders)
    }

    /// `GET /admin/rebuild/{id}` on projection-service.
    func rebuildStatus(_ id: String) async throws -> JSONValue {
        let response = try await projectionService.client.get("/admin/rebuild/\(id)", headers: projectionAdminHeaders)
        guard response.status == 200, let json = response.json else { throw HTTPClientError("expected 200, got \(response)") }
        return json
    }

    /// Polls a rebuild until it is no longer running; returns its last status.
    func waitForRebuild(_ id: String, timeout: Duration = .seconds(300)) async throws -> JSONValue {
        try await waitUntil("rebuild \(id) finished", timeout: timeout, interval: .milliseconds(250)) {
            let status = try await self.rebuildStatus(id)
            return status["status"]?.stringValue == "running" ? .notYet(seen: "\(status)") : .done(status)
        }
    }

    /// Places orders from `plan`, `concurrency` at a time; returns their ids in plan order.
    func placeOrders(_ plan: [(customer: String, items: [OrderLine])], concurrency: Int = 4) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var ids: [Int: String] = [:]
            var next = 0
            func addNext() {
                guard next < plan.count else { return }
                let (index, order) = (next, plan[next])
                group.addTask { (index, try await self.placeOrder(customerId: order.customer, items: order.items)) }
                next += 1
            }
            for _ in 0..<concurrency { addNext() }
            while let (index, id) = try await group.next() {
                ids[index] = id
                addNext()
            }
            return (0..<plan.count).compactMap { ids[$0] }
        }
    }
}

/// A connection to the scenario's broker, for what the services would not do by themselves.
struct BrokerClient: Sendable {
    let connection: AMQPConnection

    static func connect(to system: SagaSystem) async throws -> BrokerClient {
        var logger = Logger(label: "projection-tests")
        logger.logLevel = .warning
        let connection = try await AMQPConnection.connect(
            to: try AMQPURL(system.broker.amqpURL), name: "projection test client", confirmMode: true, logger: logger)
        return BrokerClient(connection: connection)
    }

    /// Publishes feed events (envelope bodies with their `position`) straight to projection-service's
    /// queue, with the properties and position header the relay would give them, as retried
    /// messages from their source's exchange look.
    func publishToProjection(_ events: [JSONValue]) async throws {
        var messages: [OutgoingMessage] = []
        for event in events {
            var headers: [String: AMQPFieldValue] = ["schema-version": .int(Int64(event["schemaVersion"]?.intValue ?? 1))]
            headers["x-original-exchange"] = .string(exchange(ofAggregateType: event["aggregateType"]?.stringValue ?? ""))
            if let position = event["position"]?.intValue { headers["x-source-position"] = .int(Int64(position)) }
            if let causationId = event["causationId"]?.stringValue { headers["causation-id"] = .string(causationId) }
            messages.append(OutgoingMessage(
                exchange: "", routingKey: "projection-service", body: Array(try JSONEncoder().encode(event)),
                properties: MessageProperties(
                    messageId: event["eventId"]?.stringValue, correlationId: event["correlationId"]?.stringValue,
                    type: event["eventType"]?.stringValue, contentType: "application/json", appId: "projection-tests",
                    timestamp: Date(), headers: headers)))
        }
        for start in stride(from: 0, to: messages.count, by: 500) {
            try await connection.publish(Array(messages[start..<min(start + 500, messages.count)]))
        }
    }

    /// Publishes an envelope body to `exchange` as a relay would, claiming `position` in the
    /// `x-source-position` header (none when `nil`).
    func publish(_ event: JSONValue, to exchange: String, routingKey: String, position: Int64?) async throws {
        var headers: [String: AMQPFieldValue] = ["schema-version": .int(1)]
        if let position { headers["x-source-position"] = .int(position) }
        try await connection.publish([OutgoingMessage(
            exchange: exchange, routingKey: routingKey, body: Array(try JSONEncoder().encode(event)),
            properties: MessageProperties(
                messageId: event["eventId"]?.stringValue, correlationId: event["correlationId"]?.stringValue,
                type: event["eventType"]?.stringValue, contentType: "application/json", appId: "projection-tests",
                timestamp: Date(), headers: headers))])
    }

    func messageCount(_ queue: String) async throws -> Int { Int(try await connection.queueMessageCount(queue: queue)) }

    func purge(_ queue: String) async throws { _ = try await connection.purge(queue: queue) }

    func close() async { await connection.close() }
}

/// SplitMix64, for a reproducible shuffle.
struct ShuffleSeed: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Duration {
    /// Seconds with two decimals, for printed figures.
    var secondsText: String {
        let (seconds, attoseconds) = components
        return String(format: "%.2f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// The exchange of the service that owns streams of `aggregateType`.
func exchange(ofAggregateType aggregateType: String) -> String {
    switch aggregateType {
    case "Order": "orders"
    case "Payment", "Account": "payments"
    default: "inventory"
    }
}

extension JSONValue {
    /// The object with `key` set to `value` (unchanged when not an object).
    func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var object) = self else { return self }
        object[key] = value
        return .object(object)
    }
}

extension ServiceProcess {
    /// Where the running process's open file descriptors point (`/proc/<pid>/fd`).
    func openFiles() throws -> [String] {
        guard let pid else { return [] }
        let directory = "/proc/\(pid)/fd"
        return try FileManager.default.contentsOfDirectory(atPath: directory).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)")
        }
    }

    /// The files of rebuilt read stores in the service's directory.
    func rebuildFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: workingDirectory.path).filter { $0.contains(".rebuild-") }.sorted()
    }
}
