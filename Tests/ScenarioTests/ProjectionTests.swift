import Foundation
import Testing
import TestSupport

/// The read side against the real executables and a private broker: catch-up after a crash,
/// events out of order and twice, a rebuild under load, the saga timeline. Every scenario ends
/// with the contract's invariants, I7 (the projection agrees with the owning services) included.
@Suite("Read side end to end", .serialized, .timeLimit(.minutes(30)))
struct ProjectionTests {
    // MARK: Catch-up

    @Test func projectionKilledMidStreamCatchesUpAfterRestart() async throws {
        try await withSagaSystem { system in
            try await seedCustomersAndStock(system)
            let plan = orderPlan(count: 48)
            let first = try await system.placeOrders(Array(plan.prefix(16)))
            // Killed while the saga events of the first orders are still coming in.
            await system.projectionService.kill()
            let rest = try await system.placeOrders(Array(plan.dropFirst(16)))
            for id in first + rest { _ = try await system.waitForFinalStatus(id) }

            try await system.projectionService.start()
            try await system.projectionService.waitUntilReady()
            let stats = try await system.waitUntilProjectionCaughtUp()
            #expect(stats["orders"]?["PENDING"]?.intValue == 0, "\(stats)")
            await system.checkInvariants()
        }
    }

    // MARK: Order and duplicates

    @Test func eventsDeliveredOutOfOrderAndTwiceGiveTheSameReadModels() async throws {
        try await withSagaSystem { system in
            try await seedCustomersAndStock(system)
            let orders = try await system.placeOrders(orderPlan(count: 24))
            for id in orders { _ = try await system.waitForFinalStatus(id) }
            await system.checkInvariants()
            let customers = Array(Set(system.ledger.orders.map(\.request.customerId))).sorted()
            let expected = try await ReadSideState.read(system, orders: orders, customers: customers)

            var events: [JSONValue] = []
            for source in SagaSystem.sources { events += try await system.feed(source) }
            var generator = ShuffleSeed(0x5EED)
            let deliveries = (events + events).shuffled(using: &generator)

            // A projection that starts from nothing, and whose queue holds nothing but the
            // shuffled copies: with the feeds unreachable, it applies nothing (a message is a
            // notification, never the event itself) and acks them all.
            #expect(await system.projectionService.terminate() == .exited(0))
            try removeStore(of: system.projectionService)
            let broker = try await BrokerClient.connect(to: system)
            try await broker.purge("projection-service")
            for source in SagaSystem.sources {
                #expect(await system.service(source).terminate() == .exited(0))
            }
            try await broker.publishToProjection(deliveries)
            try await system.projectionService.start()
            try await system.projectionService.waitUntilReady()
            _ = try await waitUntil("projection-service took every copy off its queue", timeout: .seconds(120)) {
                let handled = try await system.metric(.projection, "messages_handled_total")
                let duplicates = try await system.metric(.projection, "messages_duplicate_total")
                let deferred = try await system.metric(.projection, "projection_deliveries_deferred_total")
                let seen = Int(handled + duplicates + deferred)
                return seen >= deliveries.count ? .done(()) : .notYet(seen: "\(seen) of \(deliveries.count)")
            }
            let partial = try await system.projectionStats()
            print("[figures] read side with the feeds down, after \(deliveries.count) shuffled deliveries: \(partial)")
            for source in SagaSystem.sources {
                let position = partial["sources"]?[source.rawValue]?["position"]?.intValue ?? 0
                #expect(position == 0, "\(source): nothing is applied that its feed did not serve: \(partial)")
            }
            #expect(try await system.metric(.projection, "projection_events_ignored_total") == 0)

            // The feeds come back: the gaps are filled, in order.
            for source in SagaSystem.sources {
                try await system.service(source).start()
                try await system.service(source).waitUntilReady()
            }
            try await system.waitUntilProjectionCaughtUp()
            let rebuiltFromShuffle = try await ReadSideState.read(system, orders: orders, customers: customers)
            for difference in expected.differences(to: rebuiltFromShuffle) {
                Issue.record("out of order and twice: \(difference)")
            }

            // Every copy once more, to a live projection: nothing changes.
            try await broker.publishToProjection(deliveries)
            _ = try await waitUntil("projection-service acked the copies", timeout: .seconds(60)) {
                let ready = try await broker.messageCount("projection-service")
                return ready == 0 ? .done(()) : .notYet(seen: "\(ready) ready")
            }
            try await system.waitUntilProjectionCaughtUp()
            let afterDuplicates = try await ReadSideState.read(system, orders: orders, customers: customers)
            for difference in expected.differences(to: afterDuplicates) {
                Issue.record("duplicates changed the read side: \(difference)")
            }
            await broker.close()
            await system.checkInvariants()
        }
    }

    // MARK: Rebuild

    @Test func rebuildDuringLoadEndsIdenticalToTheOwningServices() async throws {
        try await withSagaSystem { system in
            try await seedCustomersAndStock(system)
            let plan = orderPlan(count: 60)
            let warmUp = try await system.placeOrders(Array(plan.prefix(20)))

            let anonymous = try await system.projectionService.client.send("POST", "/admin/rebuild")
            #expect(anonymous.status == 401, "\(anonymous)")

            async let load = system.placeOrders(Array(plan.dropFirst(20)), concurrency: 2)
            let accepted = try await system.requestRebuild()
            #expect(accepted.status == 202, "\(accepted)")
            let rebuildId = try #require(accepted.json?["rebuildId"]?.stringValue, "\(accepted)")
            #expect(accepted.header("Location") == "/admin/rebuild/\(rebuildId)")
            let second = try await system.requestRebuild()
            if second.status == 202 {
                #expect(try await system.rebuildStatus(rebuildId)["status"]?.stringValue != "running", "a second rebuild while one runs: \(second)")
            } else {
                #expect(second.status == 409 && second.errorCode == "rebuild_running", "\(second)")
            }
            let finished = try await system.waitForRebuild(rebuildId)
            #expect(finished["status"]?.stringValue == "completed", "\(finished)")
            print("[figures] rebuild during load: \(finished)")
            let placed = try await load
            for id in warmUp + placed { _ = try await system.waitForFinalStatus(id) }
            await system.checkInvariants()

            // Quiet now: a rebuild gives exactly the live read models, and they survive a restart.
            try await system.waitUntilProjectionCaughtUp()
            let orders = warmUp + placed
            let customers = Array(Set(system.ledger.orders.map(\.request.customerId))).sorted()
            let live = try await ReadSideState.read(system, orders: orders, customers: customers)
            let again = try await system.requestRebuild()
            let againId = try #require(again.json?["rebuildId"]?.stringValue, "\(again)")
            #expect(try await system.waitForRebuild(againId)["status"]?.stringValue == "completed")
            let rebuilt = try await ReadSideState.read(system, orders: orders, customers: customers)
            for difference in live.differences(to: rebuilt) {
                Issue.record("the rebuilt read side differs from the live one: \(difference)")
            }
            try await system.projectionService.restart()
            try await system.waitUntilProjectionCaughtUp()
            let restarted = try await ReadSideState.read(system, orders: orders, customers: customers)
            for difference in live.differences(to: restarted) {
                Issue.record("after a restart on the rebuilt store: \(difference)")
            }
            await system.checkInvariants()
        }
    }

    // MARK: Timeline

    @Test func timelineOfACompensatedSagaShowsEachStepInCausalOrder() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)
            let orderId = try await system.placeOrder(customerId: "c-1", items: [OrderLine(sku: "SKU-NOPE", quantity: 1, unitPrice: 700)])
            let order = try await system.waitForFinalStatus(orderId)
            #expect(order.status == .cancelled && order.cancellationReason == CancellationReason.outOfStock, "\(order)")
            try await system.waitForProjectedOrder(orderId, "status CANCELLED with the payment refunded") {
                $0.status == .cancelled && $0.payment?.status == .refunded
            }
            try await system.waitUntilProjectionCaughtUp()

            let response = try await system.projectionService.client.get("/orders/\(orderId)/timeline")
            let timeline = try #require(response.json?["events"]?.arrayValue, "\(response)")
            var stored: [JSONValue] = []
            for source in SagaSystem.sources {
                stored += try await system.feed(source).filter { $0["correlationId"]?.stringValue == orderId }
            }
            #expect(Set(timeline.compactMap { $0["eventId"]?.stringValue }) == Set(stored.compactMap { $0["eventId"]?.stringValue }),
                    "the timeline holds every event of the saga from every service, once")
            #expect(timeline.count == stored.count, "\(timeline)")

            var seen: [String: JSONValue] = [:]
            for entry in timeline {
                let type = entry["eventType"]?.stringValue ?? "?"
                #expect(entry["correlationId"]?.stringValue == orderId, "\(entry)")
                #expect(entry["occurredAt"]?.stringValue != nil, "\(entry)")
                let stored = stored.first { $0["eventId"] == entry["eventId"] }
                #expect(entry["service"]?.stringValue == stored.map { owner(of: $0["aggregateType"]?.stringValue ?? "").rawValue }, "\(entry)")
                if let cause = entry["causationId"]?.stringValue {
                    #expect(seen[cause] != nil, "\(type) comes after its cause \(cause): \(timeline)")
                }
                if let id = entry["eventId"]?.stringValue { seen[id] = entry }
            }
            let steps = ["OrderPlaced", "PaymentAuthorized", "InventoryReservationFailed", "PaymentRefunded", "OrderCancelled"]
            let sagaSteps = timeline.compactMap { $0["eventType"]?.stringValue }.filter(steps.contains)
            #expect(sagaSteps == steps, "the compensated saga, step by step: \(timeline)")
            func entry(_ type: String) -> JSONValue? { timeline.first { $0["eventType"]?.stringValue == type } }
            #expect(entry("OrderPlaced")?["causationId"] == nil || entry("OrderPlaced")?["causationId"] == .null)
            for (effect, cause) in zip(steps.dropFirst(), steps) {
                #expect(entry(effect)?["causationId"] == entry(cause)?["eventId"], "\(effect) was caused by \(cause): \(timeline)")
            }
            await system.checkInvariants()
        }
    }

}

/// The catch-up and rebuild figures of the README, printed, never asserted. Opt-in:
/// `PROJECTION_BENCH_ORDERS=10000 swift test --skip-build --filter ProjectionFigures`.
@Suite("Read side figures", .serialized, .enabled(if: ProcessInfo.processInfo.environment["PROJECTION_BENCH_ORDERS"] != nil), .timeLimit(.minutes(60)))
struct ProjectionFigures {
    @Test func measureCatchUpAndRebuildOfManyOrders() async throws {
        let count = Int(ProcessInfo.processInfo.environment["PROJECTION_BENCH_ORDERS"] ?? "") ?? 10_000
        var configuration = SagaConfiguration()
        configuration.sagaTimeoutSeconds = 3600
        configuration.logLevel = "warning"
        try await withSagaSystem(configuration) { system in
            let customers = (0..<50).map { "bench-c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 100_000_000) }
            let skus = (0..<20).map { "BENCH-\($0)" }
            for sku in skus { try await system.restock(sku: sku, quantity: 1_000_000) }
            let plan: [(customer: String, items: [OrderLine])] = (0..<count).map { index in
                (customers[index % customers.count], [
                    OrderLine(sku: skus[index % skus.count], quantity: 1 + index % 3, unitPrice: 100 + index % 7),
                    OrderLine(sku: skus[(index * 7 + 3) % skus.count], quantity: 1, unitPrice: 250),
                ])
            }
            #expect(await system.projectionService.terminate() == .exited(0))
            let clock = ContinuousClock()
            var started = clock.now
            let orders = try await system.placeOrders(plan, concurrency: 8)
            for id in orders.suffix(20) { _ = try await system.waitForFinalStatus(id, timeout: .seconds(3600)) }
            var heads = try await system.feedHeads()
            try await waitUntil("the sources are quiet", timeout: .seconds(3600), interval: .seconds(2)) {
                let now = try await system.feedHeads()
                defer { heads = now }
                return now == heads ? .done(()) : .notYet(seen: "\(now)")
            }
            let events = heads.values.reduce(0, +)
            print("[figures] placed \(count) orders (\(events) events in the three stores) in \((clock.now - started).secondsText)")

            started = clock.now
            try await system.projectionService.start()
            try await system.projectionService.waitUntilReady()
            try await system.waitUntilProjectionCaughtUp(heads: heads, timeout: .seconds(3600))
            print("[figures] catch-up of \(count) orders (\(events) events) after a restart: \((clock.now - started).secondsText)")

            started = clock.now
            let accepted = try await system.requestRebuild()
            let rebuildId = try #require(accepted.json?["rebuildId"]?.stringValue, "\(accepted)")
            let finished = try await system.waitForRebuild(rebuildId, timeout: .seconds(3600))
            print("[figures] rebuild of \(count) orders: \((clock.now - started).secondsText) until completed; \(finished)")
            #expect(finished["status"]?.stringValue == "completed")
            try await system.waitUntilProjectionCaughtUp()
            let stats = try await system.projectionStats()
            #expect(stats["orders"]?["CONFIRMED"]?.intValue == count, "\(stats)")

            // Staleness in normal operation: how long after order-service shows an order
            // CONFIRMED the read side shows it too (both polled every 5 ms, one order at a time).
            var delays: [Duration] = []
            for index in 0..<50 {
                let id = try await system.placeOrder(customerId: customers[index % customers.count], items: plan[index].items)
                var confirmedAt: ContinuousClock.Instant?
                while true {
                    let now = clock.now
                    if confirmedAt == nil, try await system.order(id)?.status == .confirmed { confirmedAt = now }
                    if let confirmedAt, try await system.projectedOrder(id)?.status == .confirmed {
                        delays.append(clock.now - confirmedAt)
                        break
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            delays.sort()
            print("[figures] read side behind order-service, 50 orders one at a time: median \(delays[delays.count / 2].secondsText), max \(delays.last?.secondsText ?? "-")")
        }
    }
}

/// The cost of the broker path in normal operation, printed, never asserted: orders placed
/// while the projection runs, applied from its queue's notifications. Opt-in:
/// `PROJECTION_COST_ORDERS=2000 swift test --skip-build --filter ProjectionCostFigures`.
@Suite("Read side cost figures", .serialized, .enabled(if: ProcessInfo.processInfo.environment["PROJECTION_COST_ORDERS"] != nil), .timeLimit(.minutes(60)))
struct ProjectionCostFigures {
    @Test func measureCostOfApplyingFromTheQueue() async throws {
        let count = Int(ProcessInfo.processInfo.environment["PROJECTION_COST_ORDERS"] ?? "") ?? 2000
        var configuration = SagaConfiguration()
        configuration.sagaTimeoutSeconds = 3600
        configuration.logLevel = "warning"
        try await withSagaSystem(configuration) { system in
            let customers = (0..<50).map { "cost-c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 100_000_000) }
            let skus = (0..<20).map { "COST-\($0)" }
            for sku in skus { try await system.restock(sku: sku, quantity: 1_000_000) }
            let plan: [(customer: String, items: [OrderLine])] = (0..<count).map { index in
                (customers[index % customers.count], [OrderLine(sku: skus[index % skus.count], quantity: 1, unitPrice: 100)])
            }
            let headsBefore = try await system.waitUntilProjectionCaughtUp()
            let eventsBefore = SagaSystem.sources.compactMap { headsBefore["sources"]?[$0.rawValue]?["position"]?.intValue }.reduce(0, +)
            let metricNames = [
                "projection_batches_total", "projection_feed_requests_total{reason=\"batch\"",
                "messages_handled_total", "messages_duplicate_total", "projection_deliveries_deferred_total",
            ]
            func metrics() async throws -> [Double] {
                var values: [Double] = []
                for name in metricNames {
                    if name.hasSuffix("\"") {
                        // One labelled series: the sum of the lines that start with it.
                        let text = try await system.projectionService.client.get("/metrics").text
                        values.append(text.split(separator: "\n").filter { $0.hasPrefix(name) }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +))
                    } else {
                        values.append(try await system.metric(.projection, name))
                    }
                }
                return values
            }
            let before = try await metrics()
            let cpuBefore = try system.projectionService.cpuSeconds()
            let clock = ContinuousClock()
            let started = clock.now
            let orders = try await system.placeOrders(plan, concurrency: 8)
            for id in orders.suffix(20) { _ = try await system.waitForFinalStatus(id, timeout: .seconds(3600)) }
            let stats = try await system.waitUntilProjectionCaughtUp(timeout: .seconds(3600))
            let elapsed = clock.now - started
            let cpu = try system.projectionService.cpuSeconds() - cpuBefore
            let after = try await metrics()
            let events = SagaSystem.sources.compactMap { stats["sources"]?[$0.rawValue]?["position"]?.intValue }.reduce(0, +) - eventsBefore
            let delta = zip(after, before).map { $0 - $1 }
            let batches = max(delta[0], 1)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(
                format: "[figures] %d orders, %d events applied from the queue in %.2f s (%.0f events/s, bounded by the sources); projection CPU %.2f s = %.3f ms per event; %.0f batches, %.1f events per batch, feed requests per batch %.2f; handled %.0f, duplicates %.0f, deferred %.0f",
                count, events, seconds, Double(events) / seconds, cpu, cpu * 1000 / Double(max(events, 1)), delta[0],
                Double(events) / batches, delta[1] / batches, delta[2], delta[3], delta[4]))
        }
    }
}

// MARK: - Helpers

extension ServiceProcess {
    /// CPU time (user and system) the running process has used, from `/proc/<pid>/stat`.
    func cpuSeconds() throws -> Double {
        guard let pid else { return 0 }
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name, which is in parentheses: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Funds three customers (one poorly) and stocks three SKUs, one of them scarce.
func seedCustomersAndStock(_ system: SagaSystem) async throws {
    for (customer, amount) in [("c-1", 60_000), ("c-2", 60_000), ("c-poor", 1_500)] {
        try await system.deposit(customerId: customer, amount: amount)
    }
    for (sku, quantity) in [("SKU-A", 200), ("SKU-B", 200), ("SKU-SCARCE", 6)] {
        try await system.restock(sku: sku, quantity: quantity, name: sku.capitalized)
    }
}

/// Orders of every fate: confirmed, declined (poor customer, no account), out of stock.
func orderPlan(count: Int) -> [(customer: String, items: [OrderLine])] {
    let customers = ["c-1", "c-2", "c-poor", "c-none"]
    return (0..<count).map { index in
        let items: [OrderLine] =
            switch index % 4 {
            case 0: [OrderLine(sku: "SKU-A", quantity: 1 + index % 3, unitPrice: 400)]
            case 1: [OrderLine(sku: "SKU-SCARCE", quantity: 2, unitPrice: 300), OrderLine(sku: "SKU-B", quantity: 1, unitPrice: 200)]
            case 2: [OrderLine(sku: "SKU-B", quantity: 2, unitPrice: 250)]
            default: [OrderLine(sku: "SKU-GHOST", quantity: 1, unitPrice: 100)]
            }
        return (customers[index % customers.count], items)
    }
}

/// The service that owns streams of `aggregateType`.
private func owner(of aggregateType: String) -> ServiceName {
    switch aggregateType {
    case "Order": .order
    case "Payment", "Account": .payment
    default: .inventory
    }
}

/// Deletes a stopped service's SQLite files (its store and any rebuilt read store).
private func removeStore(of service: ServiceProcess) throws {
    let files = try FileManager.default.contentsOfDirectory(at: service.workingDirectory, includingPropertiesForKeys: nil)
    for file in files where file.lastPathComponent.contains(".sqlite") {
        try FileManager.default.removeItem(at: file)
    }
}
