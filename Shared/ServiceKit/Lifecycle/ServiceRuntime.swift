import Contracts
import EventStore
import Foundation
import Hummingbird
import Logging
import Messaging
import Metrics
import Prometheus
import ServiceLifecycle
import Tracing

/// The parts every service is built from: configuration, logging, metrics, its store, and its
/// broker connections (one publishing with confirms, one consuming).
public struct ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let database: AppDatabase
    public let metrics: PrometheusCollectorRegistry
    /// Publishes with confirms: the outbox, retries and parked messages.
    public let publishing: ManagedConnection
    public let consuming: ManagedConnection
    public let retryPolicy: RetryPolicy
    public let amqpURL: AMQPURL
    /// The trace exporter's background work (batching, export, flush on shutdown), when the
    /// executable bootstrapped tracing; it runs first and stops last, after the last span ended.
    public var telemetry: (any Service)?

    /// The spans of the broker hops, or `nil` when tracing is off (no spans, no cost).
    public var messageTracing: MessageTracing? {
        guard configuration.tracing != nil else { return nil }
        return MessageTracing(tracer: InstrumentationSystem.tracer, service: configuration.service)
    }

    /// Reads the configuration (exiting with a one-line reason when it is invalid), installs
    /// logging and metrics, opens the store and prepares the broker connections.
    public static func start(_ service: ServiceName, migrations: [Migration] = []) -> ServiceRuntime {
        let configuration: ServiceConfiguration
        let url: AMQPURL
        do {
            configuration = try ServiceConfiguration(service: service)
            url = try AMQPURL(configuration.amqpURL)
        } catch {
            exitWithReason("\(service.rawValue): \(error)")
        }
        LoggingSystem.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        let metrics = PrometheusCollectorRegistry()
        var metricsFactory = PrometheusMetricsFactory(registry: metrics)
        // A saga takes milliseconds when all is well and up to its deadline (30 s by default) when not.
        metricsFactory.durationHistogramBuckets[SagaMetrics.durationLabel] = SagaMetrics.durationBuckets
        MetricsSystem.bootstrap(metricsFactory)
        var logger = Logger(label: service.rawValue)
        logger.logLevel = configuration.logLevel
        let database: AppDatabase
        do {
            // Accounts and products are hot streams (an event per order): a snapshot every 10 events
            // keeps each load to one snapshot and a handful of events.
            database = try AppDatabase(path: configuration.databasePath, snapshotPolicy: .every(10), migrations: migrations)
        } catch {
            exitWithReason("\(service.rawValue): cannot open the store at \(configuration.databasePath): \(error)")
        }
        let retryPolicy = RetryPolicy(
            service: service, delays: configuration.retryDelaysMilliseconds, maxAttempts: configuration.maxDeliveryAttempts
        )
        let topology = Topology.declared(by: retryPolicy)
        return ServiceRuntime(
            configuration: configuration,
            logger: logger,
            database: database,
            metrics: metrics,
            publishing: ManagedConnection(url: url, name: "\(service.rawValue) publisher", confirmMode: true, topology: topology, logger: logger),
            consuming: ManagedConnection(url: url, name: "\(service.rawValue) consumer", confirmMode: false, topology: topology, logger: logger),
            retryPolicy: retryPolicy,
            amqpURL: url
        )
    }

    /// Ready while the store can be written and every broker connection is up with its topology.
    public var isReady: Bool { notReadyReason == nil }

    /// Why the service is not ready (the message of `/ready`'s 503), or nil when it is.
    public var notReadyReason: String? {
        if let failure = database.health.lastFailure { return "The store cannot be written: \(failure)." }
        guard consuming.isConnected, publishing.isConnected else { return "The broker connection is not up yet." }
        return nil
    }

    /// A router answering errors in the contract's shape, with `/health`, `/ready`, `/metrics`
    /// and, for a service with an event store, `/events`.
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
        let runtime = self
        let gauges = AlertGauges(
            database: database, consuming: consuming, queue: configuration.service.queue,
            hasOutbox: configuration.service.exchange != nil
        )
        OperationsController(
            registry: metrics, notReadyReason: { runtime.notReadyReason }, beforeScrape: { await gauges.refresh() }
        ).register(on: router)
        if configuration.service.exchange != nil { EventFeedController(database: database).register(on: router) }
        let admin = router.group("admin").add(middleware: AdminAuthMiddleware(token: configuration.adminToken))
        let deadLetters = DeadLetterQueue(
            database: database, publishing: publishing, retryPolicy: retryPolicy, logger: logger
        )
        DeadLetterController(deadLetters: deadLetters).register(on: admin)
        if configuration.service.exchange != nil { OutboxController(database: database).register(on: admin) }
        return router
    }

    /// Runs the service until SIGTERM or SIGINT: broker connections, outbox relay, consumer, the
    /// dead-letter keeper, `extraServices`, then the HTTP server. Shutdown runs in reverse: HTTP stops first,
    /// the consumer finishes its batch, the relay its publish, and the connections close last.
    public func run(router: Router<BasicRequestContext>, handler: any EventHandler, extraServices: [any Service] = []) async throws {
        let consumer = EventConsumer(
            database: database, consuming: consuming, publishing: publishing, retryPolicy: retryPolicy, handler: handler,
            tracing: messageTracing, logger: logger
        )
        try await run(router: router, consumer: consumer, extraServices: extraServices)
    }

    /// Runs the service like ``run(router:handler:extraServices:)``, with its own consumer of the
    /// service's queue instead of the standard ``EventConsumer``.
    public func run(router: Router<BasicRequestContext>, consumer: any Service, extraServices: [any Service] = []) async throws {
        var services: [any Service] = [publishing, consuming, StoreProbe(database: database, logger: logger)]
        if let telemetry { services.insert(telemetry, at: 0) }
        if let exchange = configuration.service.exchange {
            services.append(OutboxRelay(
                database: database, connection: publishing, service: configuration.service, exchange: exchange,
                tracing: messageTracing, logger: logger
            ))
        }
        services.append(consumer)
        let keeper = DeadLetterKeeper(
            url: amqpURL, name: configuration.service.rawValue, queue: configuration.service.deadLetterQueue, database: database, logger: logger
        )
        services += [keeper.connection, keeper]
        services += extraServices
        let configuration = configuration
        let logger = logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: configuration.service.rawValue),
            services: services,
            onServerRunning: { channel in
                logger.info("Listening", metadata: [
                    "http.address": "\(channel.localAddress?.description ?? "\(configuration.httpHost):\(configuration.httpPort)")",
                    "database.path": "\(configuration.databasePath)",
                ])
            },
            logger: logger
        )
        // Graceful shutdown normally takes milliseconds. When something hangs in it anyway (a
        // broker that stopped reading), it is escalated to cancellation after 10 s, and the
        // process exits after 15 s in any case (below the 20 s an orchestrator typically allows).
        var group = ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: ShutdownDeadline(limit: .seconds(15), logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: group).run()
        logger.info("Stopped")
    }
}

/// Prints `reason` on one line to standard error and exits with status 2.
public func exitWithReason(_ reason: String) -> Never {
    FileHandle.standardError.write(Data((reason + "\n").utf8))
    exit(2)
}
