import Contracts
import EventStore
import Foundation
import Hummingbird
import Logging
import Messaging
import Metrics
import Prometheus
import ServiceLifecycle

/// The parts every service is built from: configuration, logging, metrics, its store, and its
/// broker connections (one publishing with confirms, one consuming).
public struct ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let database: AppDatabase
    public let metrics: PrometheusCollectorRegistry
    /// `nil` for a service that publishes nothing.
    public let publishing: ManagedConnection?
    public let consuming: ManagedConnection

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
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        var logger = Logger(label: service.rawValue)
        logger.logLevel = configuration.logLevel
        let database: AppDatabase
        do {
            database = try AppDatabase(path: configuration.databasePath, migrations: migrations)
        } catch {
            exitWithReason("\(service.rawValue): cannot open the store at \(configuration.databasePath): \(error)")
        }
        let topology = Topology.declared(by: service)
        return ServiceRuntime(
            configuration: configuration,
            logger: logger,
            database: database,
            metrics: metrics,
            publishing: service.exchange.map { _ in
                ManagedConnection(url: url, name: "\(service.rawValue) publisher", confirmMode: true, topology: topology, logger: logger)
            },
            consuming: ManagedConnection(url: url, name: "\(service.rawValue) consumer", confirmMode: false, topology: topology, logger: logger)
        )
    }

    /// Ready once the store is open (it is, by construction) and every broker connection is up with its topology.
    public var isReady: Bool {
        consuming.isConnected && (publishing?.isConnected ?? true)
    }

    /// A router answering errors in the contract's shape, with `/health`, `/ready`, `/metrics`
    /// and, for a service with an event store, `/events`.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: MetricsMiddleware())
        let runtime = self
        OperationsController(registry: metrics, isReady: { runtime.isReady }).register(on: router)
        if publishing != nil { EventFeedController(database: database).register(on: router) }
        return router
    }

    /// Runs the service until SIGTERM or SIGINT: broker connections, outbox relay, consumer,
    /// `extraServices`, then the HTTP server. Shutdown runs in reverse: HTTP stops first,
    /// the consumer finishes its batch, the relay its publish, and the connections close last.
    public func run(router: Router<BasicRequestContext>, handler: any EventHandler, extraServices: [any Service] = []) async throws {
        var services: [any Service] = [consuming]
        if let publishing, let exchange = configuration.service.exchange {
            services.append(publishing)
            services.append(OutboxRelay(database: database, connection: publishing, service: configuration.service, exchange: exchange, logger: logger))
        }
        services.append(EventConsumer(database: database, connection: consuming, queue: configuration.service.queue, handler: handler, logger: logger))
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
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        logger.info("Stopped")
    }
}

/// Prints `reason` on one line to standard error and exits with status 2.
public func exitWithReason(_ reason: String) -> Never {
    FileHandle.standardError.write(Data((reason + "\n").utf8))
    exit(2)
}
