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
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: Shared kernel
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .target(
            name: "Messaging",
            dependencies: ["CRabbitMQ", .product(name: "Logging", package: "swift-log")],
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
            name: "ServiceKit",
            dependencies: [
                "Contracts", "EventStore", "Messaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/ServiceKit"
        ),

        // MARK: Domains (pure)
        .target(name: "OrderDomain", dependencies: ["EventSourcing", "Contracts"], path: "Services/Order/OrderDomain"),
        .target(name: "PaymentDomain", dependencies: ["EventSourcing", "Contracts"], path: "Services/Payment/PaymentDomain"),
        .target(name: "InventoryDomain", dependencies: ["EventSourcing", "Contracts"], path: "Services/Inventory/InventoryDomain"),

        // MARK: Services
        .executableTarget(
            name: "OrderService",
            dependencies: ["OrderDomain", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Order/OrderService"
        ),
        .executableTarget(
            name: "PaymentService",
            dependencies: ["PaymentDomain", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Payment/PaymentService"
        ),
        .executableTarget(
            name: "InventoryService",
            dependencies: ["InventoryDomain", "ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Inventory/InventoryService"
        ),
        .executableTarget(
            name: "ProjectionService",
            dependencies: ["ServiceKit", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Projection/ProjectionService"
        ),

        // MARK: Benchmarks (run by `make bench-store`, not by the tests)
        .executableTarget(
            name: "EventStoreBenchmark",
            dependencies: ["EventStore", "InventoryDomain", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/EventStoreBenchmark"
        ),

        .executableTarget(
            name: "SagaLoad",
            dependencies: ["Messaging", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/SagaLoad"
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
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
                "Messaging", "TestSupport", "ServiceKit", "EventStore", "Contracts",
                .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "ScenarioTests", dependencies: ["TestSupport", "Messaging", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "DeploymentTests", dependencies: ["ServiceKit", "Contracts", "Messaging"]),
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "TestSupport", "Contracts", "EventSourcing", "EventStore", "ServiceKit", "Messaging",
                "OrderDomain", "PaymentDomain", "InventoryDomain", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
