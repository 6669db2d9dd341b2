import Foundation
import TestSupport

/// What one schedule did and found.
struct ScheduleOutcome {
    let seed: UInt64
    /// Steps before the drain, and in all (the drain's included).
    let faultySteps: Int
    let steps: Int
    /// Invariant violations and unexpected answers after the drain; empty when the schedule passed.
    let failures: [String]
    let log: ScheduleLog
    /// Deliveries, redeliveries, duplicates, retries, parked messages and crashes, by kind.
    let tally: [String: Int]

    var passed: Bool { failures.isEmpty }

    /// The report of a failing schedule: what broke, then the whole schedule.
    var report: String {
        "seed \(seed): \(failures.count) failure(s) after \(steps) steps:\n"
            + failures.map { "  - \($0)" }.joined(separator: "\n") + "\n" + log.transcript
    }
}

/// Runs schedules of the whole saga: the real services in-process, a simulated broker, faults
/// chosen by a seeded generator, then a drain and the invariant checks I1–I7.
enum SagaSimulation {
    /// Runs the schedule of `seed`, of `steps` random steps (chosen from the seed when `nil`), in
    /// its own temporary directory (removed afterwards unless the schedule failed).
    /// - Parameter adjustLedger: changes the customers' ledger before the checks (to show that they can fail).
    static func run(
        seed: UInt64, steps: Int? = nil, in parent: URL, adjustLedger: ((inout SimulationLedger) -> Void)? = nil
    ) async throws -> ScheduleOutcome {
        let directory = parent.appendingPathComponent("seed-\(seed)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await copyMigratedStores(into: directory, from: parent.appendingPathComponent("migrated"))
        let (services, projection) = try SagaServices.participants(in: directory)
        let world = SagaWorld(seed: seed, services: services, projection: projection, sagaTimeout: TimeInterval(SagaServices.sagaTimeoutSeconds))
        for service in services.values { try service.start() }
        try await projection.start()

        let stepCount = steps ?? world.random.inRange(10...60)
        for _ in 0..<stepCount { try await world.perform(world.choose(await world.possibleSteps())) }
        let faultySteps = world.log.count
        try await world.drain()

        adjustLedger?(&world.ledger)
        let reads = InProcessSagaReads(
            order: services[.order]!.routes!, payment: services[.payment]!.routes!,
            inventory: services[.inventory]!.routes!, projection: projection.routes!)
        var placed: [String: PlaceOrderRequest] = [:]
        for order in world.ledger.orders {
            placed[order.orderId] = PlaceOrderRequest(
                customerId: order.customer, items: order.lines.map { OrderLine(sku: $0.sku, quantity: $0.quantity, unitPrice: $0.unitPrice) })
        }
        let violations = await InvariantChecker.violations(
            in: reads, orderIds: world.ledger.orders.map(\.orderId), deposits: world.ledger.deposits,
            stock: world.ledger.stock, placed: placed)
        var failures = world.unexpected + violations.map(\.description)
        for (index, order) in world.ledger.orders.enumerated() {
            failures = failures.map { $0.replacingOccurrences(of: order.orderId, with: "order#\(index + 1)") }
        }
        for service in services.values { service.crash(world.broker) }
        projection.crash()
        if failures.isEmpty { try? FileManager.default.removeItem(at: directory) }
        return ScheduleOutcome(seed: seed, faultySteps: faultySteps, steps: world.log.count, failures: failures, log: world.log, tally: world.tally)
    }

    /// Every schedule starts from empty stores. Their migrated files are made once per run (in
    /// `templates`, by opening each store as its service does) and copied: opening a copy finds
    /// every migration applied, as a restart does, and costs a fraction of migrating afresh.
    private static func copyMigratedStores(into directory: URL, from templates: URL) async throws {
        let files = FileManager.default
        if !files.fileExists(atPath: templates.path) {
            let making = templates.deletingLastPathComponent().appendingPathComponent("migrating-\(UUID().uuidString)")
            try files.createDirectory(at: making, withIntermediateDirectories: true)
            let (services, projection) = try SagaServices.participants(in: making)
            let broker = SimulatedBroker(services: SagaWorld.participants)
            for service in services.values {
                try service.start()
                service.crash(broker)
            }
            try await projection.start()
            projection.crash()
            try files.moveItem(at: making, to: templates)
        }
        for file in try files.contentsOfDirectory(atPath: templates.path) {
            try files.copyItem(at: templates.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
    }
}
