// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "saga-services",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "order-service", targets: ["OrderService"]),
        .executable(name: "payment-service", targets: ["PaymentService"]),
        .executable(name: "inventory-service", targets: ["InventoryService"]),
        .executable(name: "projection-service", targets: ["ProjectionService"]),
        .executable(name: "eventstore-benchmark", targets: ["EventStoreBenchmark"]),
        .executable(name: "saga-load", targets: ["SagaLoad"]),
        .executable(name: "sagactl", targets: ["SagaCtl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Traces: OTLP over HTTP only (no gRPC stack to build).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.3.0"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // saga-load's HTTP client: persistent HTTP/1.1 connections over NIO (already in the graph).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: Shared kernel
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // Byte-exact percent-decoding: path ids (ServiceKit) and AMQP URL credentials (Messaging).
        .target(name: "PercentEncoding", path: "Shared/PercentEncoding"),
        .target(
            name: "Messaging",
            dependencies: ["CRabbitMQ", "PercentEncoding", .product(name: "Logging", package: "swift-log")],
            path: "Shared/Messaging"
        ),
        .target(name: "EventSourcing", path: "Shared/EventSourcing"),
        .target(name: "Contracts", dependencies: ["EventSourcing"], path: "Shared/Contracts"),
        .target(
            name: "EventStore",
            dependencies: [
                "EventSourcing", "Contracts",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/EventStore"
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "Contracts", "EventStore", "Messaging",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/Delivery"
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Contracts", "EventStore", "Messaging", "Delivery", "PercentEncoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/ServiceKit"
        ),
        // Installs the OTLP trace exporter; called once by each service's executable.
        .target(
            name: "Telemetry",
            dependencies: ["ServiceKit", .product(name: "OTel", package: "swift-otel")],
            path: "Shared/Telemetry"
        ),

        // MARK: Domains (pure)
        .target(name: "OrderDomain", dependencies: ["EventSourcing", "Contracts"], path: "Services/Order/OrderDomain"),
        .target(name: "PaymentDomain", dependencies: ["EventSourcing", "Contracts"], path: "Services/Payment/PaymentDomain"),
        .target(name: "InventoryDomain", dependencies: ["EventSourcing", "Contracts"], path: "Services/Inventory/InventoryDomain"),

        // MARK: Services (a library with the whole service, and a tiny executable that runs it)
        .target(
            name: "OrderApp",
            dependencies: ["OrderDomain", "Delivery", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Order/OrderApp"
        ),
        .executableTarget(name: "OrderService", dependencies: ["OrderApp", "ServiceKit", "Telemetry"], path: "Services/Order/OrderService"),
        .target(
            name: "PaymentApp",
            dependencies: ["PaymentDomain", "Delivery", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Payment/PaymentApp"
        ),
        .executableTarget(name: "PaymentService", dependencies: ["PaymentApp", "ServiceKit", "Telemetry"], path: "Services/Payment/PaymentService"),
        .target(
            name: "InventoryApp",
            dependencies: ["InventoryDomain", "Delivery", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Inventory/InventoryApp"
        ),
        .executableTarget(name: "InventoryService", dependencies: ["InventoryApp", "ServiceKit", "Telemetry"], path: "Services/Inventory/InventoryService"),
        .target(
            name: "ProjectionApp",
            dependencies: [
                "Delivery", "ServiceKit", "ConsoleAssets", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/Projection/ProjectionApp"
        ),
        .executableTarget(name: "ProjectionService", dependencies: ["ProjectionApp", "ServiceKit", "Telemetry"], path: "Services/Projection/ProjectionService"),
        // The web console's files, embedded as Swift source by scripts/embed-console-assets.py.
        .target(name: "ConsoleAssets", path: "Services/Projection/ConsoleAssets"),

        // MARK: Benchmarks (run by `make bench-store`, not by the tests)
        .executableTarget(
            name: "EventStoreBenchmark",
            dependencies: ["EventStore", "InventoryDomain", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/EventStoreBenchmark"
        ),

        .executableTarget(
            name: "SagaLoad",
            dependencies: [
                "Messaging", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/SagaLoad"
        ),

        // MARK: Tools (the operator CLI: a library with its client and formatting, and the executable)
        .target(name: "SagaCtlKit", path: "Tools/sagactl/SagaCtlKit"),
        .executableTarget(
            name: "SagaCtl",
            dependencies: ["SagaCtlKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/sagactl/SagaCtl"
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .target(
            name: "AppTestSupport",
            dependencies: [
                "ServiceKit", "Delivery", "Contracts", "EventSourcing", "EventStore", "Messaging",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/AppTestSupport"
        ),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts"]),
        .testTarget(name: "OrderDomainTests", dependencies: ["OrderDomain"]),
        .testTarget(name: "PaymentDomainTests", dependencies: ["PaymentDomain"]),
        .testTarget(name: "InventoryDomainTests", dependencies: ["InventoryDomain"]),
        .testTarget(
            name: "EventStoreTests",
            dependencies: [
                "EventStore", "Contracts", "InventoryDomain", "OrderDomain", "PaymentDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: [
                "Messaging", "TestSupport", "Delivery", "ServiceKit", "EventStore", "Contracts",
                .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ScenarioTests",
            dependencies: [
                "TestSupport", "Messaging", .product(name: "Logging", package: "swift-log"),
                // The OTLP receiver of the trace test.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "ConsoleAssetsTests", dependencies: ["ConsoleAssets"]),
        .testTarget(
            name: "OrderAppTests",
            dependencies: [
                "OrderApp", "OrderDomain", "AppTestSupport", "Delivery", "EventSourcing", "EventStore", "ServiceKit", "Contracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "PaymentAppTests",
            dependencies: [
                "PaymentApp", "AppTestSupport", "ServiceKit", "Contracts", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "InventoryAppTests",
            dependencies: [
                "InventoryApp", "AppTestSupport", "ServiceKit", "Contracts", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ProjectionAppTests",
            dependencies: [
                "ProjectionApp", "AppTestSupport", "ServiceKit", "Contracts", "EventStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "SagaCtlKitTests", dependencies: ["SagaCtlKit"]),
        .testTarget(name: "DeliveryDecisionTests", dependencies: ["Delivery", "EventStore", "Messaging", "Contracts"]),
        .testTarget(
            name: "SagaSimulationTests",
            dependencies: [
                "OrderApp", "PaymentApp", "InventoryApp", "ProjectionApp",
                "Delivery", "ServiceKit", "EventStore", "Contracts", "Messaging", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "DeploymentTests",
            dependencies: ["Delivery", "ServiceKit", "Contracts", "Messaging", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "ServiceKitTests", dependencies: ["ServiceKit", "Delivery", "Messaging", "PercentEncoding"]),
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "TestSupport", "Contracts", "EventSourcing", "EventStore", "ServiceKit", "Delivery", "Messaging",
                "OrderDomain", "PaymentDomain", "InventoryDomain", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
