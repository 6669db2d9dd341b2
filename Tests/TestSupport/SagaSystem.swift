import Foundation
import Synchronization
import Testing

// MARK: - Configuration

public enum ServiceName: String, CaseIterable, Sendable, CustomStringConvertible {
    case order = "order-service"
    case payment = "payment-service"
    case inventory = "inventory-service"
    case projection = "projection-service"

    /// The SwiftPM executable product.
    public var executableName: String { rawValue }
    public var description: String { rawValue }
}

public struct SagaConfiguration: Sendable {
    /// `SAGA_TIMEOUT_SECONDS` of order-service. Long by default so that a slow machine does not
    /// turn a scenario's orders into `timeout` cancellations.
    public var sagaTimeoutSeconds: Int = 60
    public var maxDeliveryAttempts: Int = 5
    public var retryDelaysMs: [Int] = [100, 500, 1000]
    /// `LOG_LEVEL` of every service; `SCENARIO_LOG_LEVEL` overrides the default.
    public var logLevel: String = ProcessInfo.processInfo.environment["SCENARIO_LOG_LEVEL"] ?? "info"
    public var logFormat: String = "text"
    /// `ADMIN_TOKEN`; nil leaves it unset (admin off).
    public var adminToken: String? = "test-admin"
    /// How long each service may take to answer `GET /ready` with 200.
    public var readyTimeout: Duration = .seconds(90)
    /// How long a service may take to exit after SIGTERM before it is killed.
    public var shutdownTimeout: Duration = .seconds(20)
    /// Record an issue when a service does not exit 0 on SIGTERM at the end, or exited on its
    /// own during the scenario (contract section 1).
    public var expectCleanShutdown: Bool = true
    /// Keep the temp directory (databases and logs) even when the scenario passed.
    /// It is always kept when something failed. `SCENARIO_KEEP_DATA=1` sets it.
    public var keepDirectory: Bool = ProcessInfo.processInfo.environment["SCENARIO_KEEP_DATA"] == "1"
    /// Extra or overriding environment variables per service.
    public var extraEnvironment: [ServiceName: [String: String]] = [:]

    public init() {}

    /// How long to wait for an order to reach CONFIRMED or CANCELLED (I1: the saga timeout
    /// plus a generous margin for a loaded machine).
    public var settleTimeout: Duration { .seconds(sagaTimeoutSeconds + 30) }
}

// MARK: - Ledger

/// What a scenario put into the system through `SagaSystem`: the inputs of the invariants.
public struct Ledger: Sendable {
    public struct PlacedOrder: Sendable {
        public var orderId: String
        public var request: PlaceOrderRequest
    }

    /// Total deposited per customer.
    public var deposits: [String: Int] = [:]
    /// Total restocked per SKU.
    public var stock: [String: Int] = [:]
    /// Orders accepted by order-service, in the order they were placed.
    public var orders: [PlacedOrder] = []

    public init() {}

    public var orderIds: [String] { orders.map(\.orderId) }
}

// MARK: - SagaSystem

/// A broker and the four services on free ports, each with its own database in a temp
/// directory, plus typed clients for every endpoint.
///
/// Prefer `withSagaSystem { system in ... }`, which always stops everything. The executables
/// are taken from the build directory of the running test bundle (`swift test` builds them);
/// environment variables of the test run:
/// - `SCENARIO_BIN_DIR`: take the executables from this directory instead;
/// - `SCENARIO_LOG_LEVEL`: the services' `LOG_LEVEL` (default `info`);
/// - `SCENARIO_KEEP_DATA=1`: keep the temp directory (databases, logs) even on success; it is
///   always kept, and its path printed in the failure, when a scenario fails.
public final class SagaSystem: Sendable {
    public let configuration: SagaConfiguration
    public let broker: RabbitMQNode
    /// Temp directory: `data/<service>/<service>.sqlite` and `logs/<service>.log`.
    public let directory: URL
    public let orderService: ServiceProcess
    public let paymentService: ServiceProcess
    public let inventoryService: ServiceProcess
    public let projectionService: ServiceProcess

    private let recorded = Mutex(Ledger())
    private let failed = Mutex(false)
    private let stopped = Mutex(false)

    public var services: [ServiceProcess] { [orderService, paymentService, inventoryService, projectionService] }

    public func service(_ name: ServiceName) -> ServiceProcess {
        switch name {
        case .order: orderService
        case .payment: paymentService
        case .inventory: inventoryService
        case .projection: projectionService
        }
    }

    /// Everything deposited, restocked and ordered through this object so far.
    public var ledger: Ledger { recorded.withLock { $0 } }

    /// Marks the scenario as failed: the temp directory (logs, databases) is then kept.
    public func markFailed() { failed.withLock { $0 = true } }
    public var hasFailed: Bool { failed.withLock { $0 } }

    private init(
        configuration: SagaConfiguration, broker: RabbitMQNode, directory: URL,
        services: [ServiceName: ServiceProcess]
    ) {
        self.configuration = configuration
        self.broker = broker
        self.directory = directory
        self.orderService = services[.order]!
        self.paymentService = services[.payment]!
        self.inventoryService = services[.inventory]!
        self.projectionService = services[.projection]!
    }

    // MARK: Start and stop

    /// Starts the broker, then order-, payment- and inventory-service, then projection-service,
    /// and waits until all four answer `GET /ready`. On failure everything started is stopped
    /// and the error carries the failing service's log tail.
    public static func start(_ configuration: SagaConfiguration = SagaConfiguration()) async throws -> SagaSystem {
        var executables: [ServiceName: URL] = [:]
        for name in ServiceName.allCases {
            executables[name] = try BuildProducts.executable(named: name.executableName)
        }
        var ports: [ServiceName: Int] = [:]
        for name in ServiceName.allCases { ports[name] = try FreePort.next() }

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("saga-scenario-\(UUID().uuidString.prefix(8).lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let broker: RabbitMQNode
        do {
            broker = try await RabbitMQNode.start()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw ServiceProcessError("Could not start the RabbitMQ broker: \(error)")
        }

        let sourceURLs = [ServiceName.order, .payment, .inventory]
            .map { "http://127.0.0.1:\(ports[$0]!)" }.joined(separator: ",")
        var services: [ServiceName: ServiceProcess] = [:]
        for name in ServiceName.allCases {
            let dataDirectory = directory.appendingPathComponent("data/\(name.rawValue)", isDirectory: true)
            var environment: [String: String] = [
                "AMQP_URL": broker.amqpURL,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": String(ports[name]!),
                "DATABASE_PATH": dataDirectory.appendingPathComponent("\(name.rawValue).sqlite").path,
                "LOG_LEVEL": configuration.logLevel,
                "LOG_FORMAT": configuration.logFormat,
                "MAX_DELIVERY_ATTEMPTS": String(configuration.maxDeliveryAttempts),
                "RETRY_DELAYS_MS": configuration.retryDelaysMs.map(String.init).joined(separator: ","),
            ]
            if let token = configuration.adminToken { environment["ADMIN_TOKEN"] = token }
            if name == .order { environment["SAGA_TIMEOUT_SECONDS"] = String(configuration.sagaTimeoutSeconds) }
            if name == .projection { environment["SOURCE_URLS"] = sourceURLs }
            for (key, value) in configuration.extraEnvironment[name] ?? [:] { environment[key] = value }
            services[name] = ServiceProcess(
                name: name.rawValue,
                executableURL: executables[name]!,
                environment: environment,
                workingDirectory: dataDirectory,
                port: ports[name]!,
                logURL: directory.appendingPathComponent("logs/\(name.rawValue).log")
            )
        }
        let system = SagaSystem(configuration: configuration, broker: broker, directory: directory, services: services)
        do {
            try await system.launch()
        } catch {
            system.markFailed()
            _ = await Task { await system.stop() }.value  // not cancelled with the caller
            throw ServiceProcessError("The saga system did not start: \(error)\n(logs and data kept in \(directory.path))")
        }
        return system
    }

    private func launch() async throws {
        let sources = [orderService, paymentService, inventoryService]
        for service in sources { try await service.start() }
        let timeout = configuration.readyTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in sources {
                group.addTask { try await service.waitUntilReady(timeout: timeout) }
            }
            try await group.waitForAll()
        }
        try await projectionService.start()
        try await projectionService.waitUntilReady(timeout: timeout)
    }

    /// Stops the services (SIGTERM, projection first), then the broker; removes the temp
    /// directory unless the scenario failed or `keepDirectory` is set. Idempotent.
    /// Returns how each service that was still running exited.
    @discardableResult
    public func stop() async -> [ServiceName: ExitStatus] {
        let alreadyStopped = stopped.withLock { stopped -> Bool in
            defer { stopped = true }
            return stopped
        }
        if alreadyStopped { return [:] }
        var statuses: [ServiceName: ExitStatus] = [:]
        let timeout = configuration.shutdownTimeout
        if let status = await projectionService.terminate(timeout: timeout) { statuses[.projection] = status }
        let others: [(ServiceName, ServiceProcess)] = [(.order, orderService), (.payment, paymentService), (.inventory, inventoryService)]
        await withTaskGroup(of: (ServiceName, ExitStatus?).self) { group in
            for (name, service) in others {
                group.addTask { (name, await service.terminate(timeout: timeout)) }
            }
            for await (name, status) in group {
                if let status { statuses[name] = status }
            }
        }
        await broker.stop()
        if !hasFailed && !configuration.keepDirectory {
            try? FileManager.default.removeItem(at: directory)
        }
        return statuses
    }

    /// Services that exited during the scenario without the harness asking them to.
    public var unexpectedExits: [(ServiceName, ExitStatus)] {
        ServiceName.allCases.compactMap { name in
            service(name).unexpectedExitStatus.map { (name, $0) }
        }
    }

    /// The last log lines of every service, for failure messages.
    public func logTails(lines: Int = 40) -> String {
        services.map { $0.logTailSection(lines: lines) }.joined(separator: "\n")
    }

    // MARK: payment-service

    /// `POST /accounts/{customerId}/deposits`, expecting 200. Recorded in the ledger.
    @discardableResult
    public func deposit(customerId: String, amount: Int) async throws -> Account {
        let response = try await paymentService.client.post(
            "/accounts/\(Self.escape(customerId))/deposits", json: DepositRequest(amount: amount))
        let account: Account = try Self.expect(response, 200)
        recorded.withLock { $0.deposits[customerId, default: 0] += amount }
        return account
    }

    /// `GET /accounts/{customerId}`; nil on 404.
    public func account(_ customerId: String) async throws -> Account? {
        try Self.expectOrNotFound(await paymentService.client.get("/accounts/\(Self.escape(customerId))"))
    }

    /// `GET /payments/{orderId}`; nil on 404 (payment-service never handled the order).
    public func payment(orderId: String) async throws -> Payment? {
        try Self.expectOrNotFound(await paymentService.client.get("/payments/\(Self.escape(orderId))"))
    }

    // MARK: inventory-service

    /// `POST /products/{sku}/restock`, expecting 200. Recorded in the ledger.
    @discardableResult
    public func restock(sku: String, quantity: Int, name: String? = nil) async throws -> Product {
        let response = try await inventoryService.client.post(
            "/products/\(Self.escape(sku))/restock", json: RestockRequest(quantity: quantity, name: name))
        let product: Product = try Self.expect(response, 200)
        recorded.withLock { $0.stock[sku, default: 0] += quantity }
        return product
    }

    /// `GET /products/{sku}`; nil on 404.
    public func product(_ sku: String) async throws -> Product? {
        try Self.expectOrNotFound(await inventoryService.client.get("/products/\(Self.escape(sku))"))
    }

    // MARK: order-service

    /// `POST /orders`, expecting 202 (or 200 for a replay with the same idempotency key).
    /// Recorded in the ledger. Returns the new order's id.
    @discardableResult
    public func placeOrder(
        customerId: String, currency: String = "USD", items: [OrderLine], idempotencyKey: String? = nil
    ) async throws -> String {
        let request = PlaceOrderRequest(customerId: customerId, currency: currency, items: items)
        var headers: [String: String] = [:]
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        let response = try await orderService.client.post("/orders", json: request, headers: headers)
        let accepted = idempotencyKey == nil ? [202] : [200, 202]
        let placed: PlacedOrderResponse = try Self.expect(response, accepted)
        recorded.withLock { ledger in
            if !ledger.orders.contains(where: { $0.orderId == placed.orderId }) {
                ledger.orders.append(.init(orderId: placed.orderId, request: request))
            }
        }
        return placed.orderId
    }

    /// `GET /orders/{orderId}` on order-service; nil on 404.
    public func order(_ orderId: String) async throws -> Order? {
        try Self.expectOrNotFound(await orderService.client.get("/orders/\(Self.escape(orderId))"))
    }

    /// `GET /orders/{orderId}/events` on order-service.
    public func orderEvents(_ orderId: String) async throws -> OrderEvents {
        try Self.expect(await orderService.client.get("/orders/\(Self.escape(orderId))/events"), 200)
    }

    /// `POST /orders/{orderId}/cancel`, expecting 202 (or 200 when already cancelled); returns the order.
    @discardableResult
    public func cancelOrder(_ orderId: String) async throws -> Order {
        try Self.expect(await orderService.client.send("POST", "/orders/\(Self.escape(orderId))/cancel"), [200, 202])
    }

    /// Polls order-service until the order is CONFIRMED or CANCELLED (I1).
    public func waitForFinalStatus(_ orderId: String, timeout: Duration? = nil) async throws -> Order {
        try await waitUntil(
            "order \(orderId) is CONFIRMED or CANCELLED in order-service",
            timeout: timeout ?? configuration.settleTimeout
        ) {
            guard let order = try await self.order(orderId) else { return .notYet(seen: "404 for order \(orderId)") }
            return order.status.isFinal ? .done(order) : .notYet(seen: order.description)
        }
    }

    // MARK: projection-service

    /// projection-service `GET /orders/{orderId}`; nil on 404.
    public func projectedOrder(_ orderId: String) async throws -> ProjectedOrder? {
        try Self.expectOrNotFound(await projectionService.client.get("/orders/\(Self.escape(orderId))"))
    }

    /// projection-service `GET /orders?status=&customerId=&limit=&cursor=` (one page).
    public func projectedOrders(
        status: OrderStatus? = nil, customerId: String? = nil, limit: Int? = nil, cursor: String? = nil
    ) async throws -> ProjectedOrdersPage {
        var query: [URLQueryItem] = []
        if let status { query.append(URLQueryItem(name: "status", value: status.rawValue)) }
        if let customerId { query.append(URLQueryItem(name: "customerId", value: customerId)) }
        if let limit { query.append(URLQueryItem(name: "limit", value: String(limit))) }
        if let cursor { query.append(URLQueryItem(name: "cursor", value: cursor)) }
        var components = URLComponents()
        components.path = "/orders"
        components.queryItems = query.isEmpty ? nil : query
        components.percentEncodedQuery = components.percentEncodedQuery?
            .replacingOccurrences(of: "+", with: "%2B")
        return try Self.expect(await projectionService.client.get(components.string ?? "/orders"), 200)
    }

    /// Follows `nextCursor` through every page (at most `maxPages`).
    public func allProjectedOrders(
        status: OrderStatus? = nil, customerId: String? = nil, pageSize: Int = 10, maxPages: Int = 1000
    ) async throws -> [ProjectedOrder] {
        var result: [ProjectedOrder] = []
        var cursor: String?
        var seenCursors: Set<String> = []
        for _ in 0..<maxPages {
            let page = try await projectedOrders(status: status, customerId: customerId, limit: pageSize, cursor: cursor)
            result += page.orders
            guard let next = page.nextCursor, !next.isEmpty else { return result }
            guard seenCursors.insert(next).inserted else {
                throw HTTPClientError("projection GET /orders pagination loops: cursor \(next) came back")
            }
            cursor = next
        }
        throw HTTPClientError("projection GET /orders pagination did not end within \(maxPages) pages")
    }

    /// projection-service `GET /customers/{customerId}`; nil on 404.
    public func projectedCustomer(_ customerId: String) async throws -> ProjectedCustomer? {
        try Self.expectOrNotFound(await projectionService.client.get("/customers/\(Self.escape(customerId))"))
    }

    /// projection-service `GET /products`.
    public func projectedProducts() async throws -> [ProjectedProduct] {
        let products: ProjectedProducts = try Self.expect(await projectionService.client.get("/products"), 200)
        return products.products
    }

    /// Polls projection-service until its view of the order satisfies `condition`.
    @discardableResult
    public func waitForProjectedOrder(
        _ orderId: String,
        _ expectation: String,
        timeout: Duration = .seconds(30),
        until condition: @escaping @Sendable (ProjectedOrder) -> Bool
    ) async throws -> ProjectedOrder {
        try await waitUntil("projection-service shows order \(orderId) with \(expectation)", timeout: timeout) {
            guard let projected = try await self.projectedOrder(orderId) else {
                return .notYet(seen: "404 for order \(orderId)")
            }
            return condition(projected) ? .done(projected) : .notYet(seen: projected.description)
        }
    }

    // MARK: Helpers

    static func escape(_ component: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }

    static func expect<T: Decodable>(_ response: HTTPResponse, _ status: Int) throws -> T {
        try expect(response, [status])
    }

    static func expect<T: Decodable>(_ response: HTTPResponse, _ statuses: [Int]) throws -> T {
        guard statuses.contains(response.status) else {
            throw HTTPClientError("expected \(statuses.map(String.init).joined(separator: " or ")), got \(response)")
        }
        return try response.decode(T.self)
    }

    static func expectOrNotFound<T: Decodable>(_ response: HTTPResponse) throws -> T? {
        if response.status == 404 { return nil }
        return try expect(response, 200) as T
    }
}

// MARK: - Scope helper

/// Only one saga system runs at a time in a test process: each is a broker and four services,
/// and the machine has two cores. Suites running in parallel queue here, and a test's time limit
/// counts its wait: the scenario suites' limits (30 minutes) guard against a hang, nothing more.
private actor SagaSystemGate {
    static let shared = SagaSystemGate()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A failure inside a scenario, with the services' log tails.
public struct ScenarioError: Error, CustomStringConvertible {
    public let underlying: any Error
    public let diagnostics: String
    public var description: String { "\(underlying)\n\n\(diagnostics)" }
}

/// Starts a `SagaSystem`, runs `body`, and always stops every process and the broker, also
/// when `body` throws or the test is cancelled. Records an issue if a service did not exit 0 on SIGTERM at the end or
/// exited on its own during the scenario. Errors from `body` are rethrown with the services'
/// log tails attached.
public func withSagaSystem<Result: Sendable>(
    _ configuration: SagaConfiguration = SagaConfiguration(),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (SagaSystem) async throws -> Result
) async throws -> Result {
    await SagaSystemGate.shared.acquire()
    let system: SagaSystem
    do {
        system = try await SagaSystem.start(configuration)
    } catch {
        await SagaSystemGate.shared.release()
        throw error
    }
    let outcome: Swift.Result<Result, any Error>
    do {
        outcome = .success(try await body(system))
    } catch {
        system.markFailed()
        outcome = .failure(ScenarioError(
            underlying: error,
            diagnostics: "logs and data kept in \(system.directory.path)\n\(system.logTails())"))
    }
    let unexpected = system.unexpectedExits
    if configuration.expectCleanShutdown {
        for (name, status) in unexpected {
            system.markFailed()
            Issue.record(
                "\(name) exited on its own during the scenario (\(status)).\n\(system.service(name).logTailSection())",
                sourceLocation: sourceLocation)
        }
    }
    // Log tails must be read before stop() may delete the directory.
    let tails = Dictionary(uniqueKeysWithValues: ServiceName.allCases.map { ($0, system.service($0).logTailSection()) })
    // A fresh task: cleanup runs fully even when the test's task was cancelled (time limit).
    let statuses = await Task { await system.stop() }.value
    if configuration.expectCleanShutdown {
        for name in ServiceName.allCases {
            guard let status = statuses[name], !status.isCleanExit else { continue }
            Issue.record(
                "\(name) did not exit 0 on SIGTERM (contract §1): \(status).\n\(tails[name] ?? "")",
                sourceLocation: sourceLocation)
        }
    }
    await SagaSystemGate.shared.release()
    return try outcome.get()
}
