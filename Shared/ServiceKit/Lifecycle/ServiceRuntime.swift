import Contracts
import Delivery
import EventStore
import Foundation
import Hummingbird
import Logging
import Messaging
import Prometheus
import ServiceLifecycle
import Tracing

/// The parts every service is built from: configuration, logging, metrics, its store, and its
/// broker connections (one publishing with confirms, one consuming).
///
/// `Store` is the service's own store: the ``EventStoreDatabase`` of a saga participant, the
/// projection's read store; either has the ``DeliveryTables`` the shared parts use.
public struct ServiceRuntime<Store: ServiceStore>: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    /// The service's own store, at `DATABASE_PATH`.
    public let database: Store
    public let metrics: PrometheusCollectorRegistry
    /// Publishes with confirms: the outbox, retries and parked messages.
    public let publishing: ManagedConnection
    public let consuming: ManagedConnection
    public let retryPolicy: RetryPolicy
    public let amqpURL: AMQPURL
    /// The spans of the broker hops, or `nil` when tracing is off (no spans, no cost).
    public var messageTracing: MessageTracing? {
        guard configuration.tracing != nil else { return nil }
        return MessageTracing(tracer: InstrumentationSystem.tracer, service: configuration.service)
    }

    /// Opens the store with `openStore` and prepares the broker connections from `configuration`.
    /// Nothing connects yet: the connections connect when the application runs them, so a test
    /// can build a service and exercise its routes with no broker.
    ///
    /// Logging and metrics are process-wide: the executable installs them
    /// (``ServiceExecutable/bootstrap(_:)``); a library never does.
    /// - Parameters:
    ///   - metrics: the registry `/metrics` answers from.
    ///   - openStore: opens (creating and migrating if needed) the service's store at the path it is given.
    /// - Throws: ``StartupFailure`` with a one-line reason when the broker URL is invalid or the store cannot be opened.
    public init(
        configuration: ServiceConfiguration, metrics: PrometheusCollectorRegistry = ServiceExecutable.metrics,
        openStore: (String) throws -> Store
    ) throws(StartupFailure) {
        let service = configuration.service
        let url: AMQPURL
        do {
            url = try AMQPURL(configuration.amqpURL)
        } catch {
            throw StartupFailure("\(service.rawValue): \(error)")
        }
        var logger = Logger(label: service.rawValue)
        logger.logLevel = configuration.logLevel
        let database: Store
        do {
            database = try openStore(configuration.databasePath)
        } catch {
            throw StartupFailure("\(service.rawValue): cannot open the store at \(configuration.databasePath): \(error)")
        }
        let retryPolicy = RetryPolicy(
            service: service, delays: configuration.retryDelaysMilliseconds, maxAttempts: configuration.maxDeliveryAttempts
        )
        let topology = Topology.declared(by: retryPolicy)
        self.configuration = configuration
        self.logger = logger
        self.database = database
        self.metrics = metrics
        publishing = ManagedConnection(url: url, name: "\(service.rawValue) publisher", confirmMode: true, topology: topology, logger: logger)
        consuming = ManagedConnection(url: url, name: "\(service.rawValue) consumer", confirmMode: false, topology: topology, logger: logger)
        self.retryPolicy = retryPolicy
        amqpURL = url
    }

    /// Ready while the store can be written and every broker connection is up with its topology.
    public var isReady: Bool { notReadyReason == nil }

    /// Why the service is not ready (the message of `/ready`'s 503), or nil when it is.
    public var notReadyReason: String? {
        if let failure = database.deliveryTables.health.lastFailure { return "The store cannot be written: \(failure)." }
        guard consuming.isConnected, publishing.isConnected else { return "The broker connection is not up yet." }
        return nil
    }

    /// A router answering errors in the contract's shape, with `/health`, `/ready`, `/metrics`,
    /// `/openapi.json` and, for a service with an event store, `/events`. Every path under
    /// `/admin`, the routes a service adds later included, is behind ``AdminAuthMiddleware``.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        if configuration.tracing != nil {
            // Outermost, so the request's span records the X-Request-Id of the answer.
            router.add(middleware: TracingMiddleware(recordingHeaders: [RequestIDMiddleware<BasicRequestContext>.headerName]))
            router.add(middleware: TraceContextMiddleware())
        }
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: MetricsMiddleware())
        // Before every route, and so also before the router's 404: every path under /admin wants
        // the token, routed or not.
        router.add(middleware: AdminAuthMiddleware(token: configuration.adminToken))
        let runtime = self
        let events = configuration.service.exchange == nil ? nil : database.eventStore
        let gauges = AlertGauges(
            tables: database.deliveryTables, outbox: events, consuming: consuming, queue: configuration.service.queue
        )
        OperationsController(
            registry: metrics, notReadyReason: { runtime.notReadyReason }, beforeScrape: { await gauges.refresh() }
        ).register(on: router)
        OpenAPIController(service: configuration.service).register(on: router)
        if let events { EventFeedController(database: events).register(on: router) }
        let admin = router.group("admin")
        let deadLetters = DeadLetterQueue(
            database: database, publishing: publishing, retryPolicy: retryPolicy, logger: logger
        )
        DeadLetterController(deadLetters: deadLetters).register(on: admin)
        if let events { OutboxController(database: events).register(on: admin) }
        return router
    }

    /// The whole service as one application: broker connections, store probe, outbox relay (for
    /// a service with an event store and an exchange), `consumer` of the service's queue, the
    /// dead-letter keeper, `extraServices`, then the HTTP server. Running it starts them in that
    /// order; shutdown runs in reverse: HTTP stops first, the consumer finishes its batch, the
    /// relay its publish, and the connections close last.
    public func application(
        router: Router<BasicRequestContext>, consumer: any Service, extraServices: [any Service] = []
    ) -> some ApplicationProtocol {
        let configuration = configuration
        let logger = logger
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: configuration.service.rawValue),
            services: configuration.runsBackgroundServices ? backgroundServices(consumer: consumer, extraServices: extraServices) : [],
            onServerRunning: { channel in
                logger.info("Listening", metadata: [
                    "http.address": "\(channel.localAddress?.description ?? "\(configuration.httpHost):\(configuration.httpPort)")",
                    "database.path": "\(configuration.databasePath)",
                ])
            },
            logger: logger
        )
    }

    /// Everything the service runs besides HTTP, in the order it starts.
    private func backgroundServices(consumer: any Service, extraServices: [any Service]) -> [any Service] {
        var services: [any Service] = [
            StoreCloser(store: database, logger: logger), publishing, consuming, StoreProbe(tables: database.deliveryTables, logger: logger),
        ]
        // The delivery loops share one thread: a commit wakes the relay without a thread hop.
        let deliveryThread = StoreThread(name: "delivery")
        if let exchange = configuration.service.exchange, let database = database.eventStore {
            let relay = OutboxRelay(
                database: database, connection: publishing, service: configuration.service, exchange: exchange,
                tracing: messageTracing, logger: logger
            )
            services.append(OnStoreThread(service: relay, thread: deliveryThread))
        }
        services.append(OnStoreThread(service: consumer, thread: deliveryThread))
        let keeper = DeadLetterKeeper(
            url: amqpURL, name: configuration.service.rawValue, queue: configuration.service.deadLetterQueue, database: database, logger: logger
        )
        services += [keeper.connection, keeper]
        services += extraServices
        return services
    }
}

extension ServiceRuntime where Store == EventStoreDatabase {
    /// Opens the service's event store (with `migrations`, the service's own tables beside it)
    /// and prepares the broker connections, like ``init(configuration:metrics:openStore:)``.
    /// - Throws: ``StartupFailure`` with a one-line reason when the broker URL is invalid or the store cannot be opened.
    public init(
        configuration: ServiceConfiguration, migrations: [Migration] = [],
        metrics: PrometheusCollectorRegistry = ServiceExecutable.metrics
    ) throws(StartupFailure) {
        // Accounts and products are hot streams (an event per order): a snapshot every 10 events
        // keeps each load to one snapshot and a handful of events.
        try self.init(configuration: configuration, metrics: metrics) { path in
            try EventStoreDatabase(path: path, snapshotPolicy: .every(10), migrations: migrations)
        }
    }

    /// The whole service as one application (``ServiceRuntime/application(router:consumer:extraServices:)``),
    /// its queue consumed by `handler` behind the standard ``EventConsumer``.
    public func application(
        router: Router<BasicRequestContext>, handler: any EventHandler, extraServices: [any Service] = []
    ) -> some ApplicationProtocol {
        let consumer = EventConsumer(
            database: database, consuming: consuming, publishing: publishing, retryPolicy: retryPolicy, handler: handler,
            tracing: messageTracing, logger: logger
        )
        return application(router: router, consumer: consumer, extraServices: extraServices)
    }
}
