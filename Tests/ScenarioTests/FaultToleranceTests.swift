import Foundation
import Testing
import TestSupport

/// The saga end to end while things fail: processes killed and restarted under load, the broker
/// stopped and started, duplicate, malformed and poison messages, transient handler failures,
/// cancellations racing the saga, deadlines firing while a service is down, and a crowd racing
/// for a few units. Every scenario runs its own `SagaSystem` and ends with the contract's
/// invariant checks (I1–I7). Recovery times are printed (`[figures]` lines), never asserted.
@Suite("Fault tolerance end to end", .serialized, .timeLimit(.minutes(30)))
struct FaultToleranceTests {
    // MARK: 1. SIGKILL and restart under load

    @Test func everyServiceKilledAndRestartedWhileHundredsOfOrdersAreInFlight() async throws {
        let figures = Figures("1 kill -9/restart under load")
        defer { figures.summary() }
        try await withSagaSystem { system in
            let funded = (1...6).map { "c-\($0)" }
            for customer in funded { try await system.deposit(customerId: customer, amount: 30_000) }
            try await system.deposit(customerId: "c-poor", amount: 2_000)
            let customers = funded + ["c-poor", "c-none"]
            for (sku, quantity) in [("SKU-A", 60), ("SKU-B", 30), ("SKU-C", 15), ("SKU-D", 200)] {
                try await system.restock(sku: sku, quantity: quantity)
            }
            // Demand: ~120 units each of A, B and C (stock 60, 30, 15), ~160 of D (stock 200).
            let total = 240
            let plan: [(customer: String, items: [OrderLine])] = (0..<total).map { index in
                let items: [OrderLine] =
                    switch index % 6 {
                    case 0: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 500)]
                    case 1: [OrderLine(sku: "SKU-B", quantity: 2, unitPrice: 400)]
                    case 2: [OrderLine(sku: "SKU-C", quantity: 1, unitPrice: 900), OrderLine(sku: "SKU-D", quantity: 1, unitPrice: 100)]
                    case 3: [OrderLine(sku: "SKU-D", quantity: 3, unitPrice: 200)]
                    case 4: [OrderLine(sku: "SKU-A", quantity: 2, unitPrice: 300), OrderLine(sku: "SKU-B", quantity: 1, unitPrice: 400)]
                    default: [OrderLine(sku: "SKU-C", quantity: 2, unitPrice: 700)]
                    }
                return (customers[index % customers.count], items)
            }

            // Each service in turn, when that many orders were accepted: SIGKILL and restart; at
            // the end payment-service gets SIGTERM while busy and must exit 0.
            let chaosPlan: [(afterPlaced: Int, service: ServiceName, graceful: Bool)] = [
                (30, .order, false), (75, .payment, false), (120, .inventory, false),
                (160, .projection, false), (200, .payment, true),
            ]
            let placed = Counter()
            @Sendable func runChaos() async throws -> [(ServiceName, Bool, TestSupport.ExitStatus?)] {
                var outcomes: [(ServiceName, Bool, TestSupport.ExitStatus?)] = []
                for step in chaosPlan {
                    _ = try await waitUntil(
                        "\(step.afterPlaced) orders accepted", timeout: .seconds(240), interval: .milliseconds(20)
                    ) { placed.current >= step.afterPlaced ? .done(()) : .notYet(seen: "\(placed.current) accepted") }
                    let process = system.service(step.service)
                    let stopping = ContinuousClock.now
                    let status = step.graceful ? await process.terminate(timeout: .seconds(20)) : await process.kill()
                    let stopped = ContinuousClock.now - stopping
                    let ready = try await process.startAndTimeReadiness()
                    figures.record(
                        "\(step.service) \(step.graceful ? "SIGTERM" : "SIGKILL") after \(step.afterPlaced) orders: \(status.map(String.init(describing:)) ?? "not running") after \(stopped.seconds); restart → /ready 200 in \(ready.seconds)")
                    outcomes.append((step.service, step.graceful, status))
                }
                return outcomes
            }
            async let chaos = runChaos()

            let placers = 4
            let orderIds = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
                for placer in 0..<placers {
                    group.addTask {
                        var ids: [(Int, String)] = []
                        for index in stride(from: placer, to: total, by: placers) {
                            let id = try await system.placeOrderSurvivingRestarts(
                                customerId: plan[index].customer, items: plan[index].items, key: "load-\(index)")
                            placed.increment()
                            ids.append((index, id))
                            try await Task.sleep(for: .milliseconds(25))
                        }
                        return ids
                    }
                }
                var all: [Int: String] = [:]
                for try await ids in group { for (index, id) in ids { all[index] = id } }
                return (0..<total).map { all[$0]! }
            }
            let outcomes = try await chaos
            #expect(Set(orderIds).count == total, "every planned order was accepted exactly once (idempotency keys)")
            #expect(system.ledger.orders.count == total)
            for (service, graceful, status) in outcomes {
                if graceful {
                    #expect(status == .exited(0), "\(service) must exit 0 on SIGTERM while busy (contract §1), got \(String(describing: status))")
                } else {
                    #expect(status == .signaled(SIGKILL), "\(service) was SIGKILLed, got \(String(describing: status))")
                }
            }

            let clock = ContinuousClock()
            let settling = clock.now
            let report = await system.checkInvariants()
            figures.record("after the last restart: invariants \(report.isClean ? "hold" : "violated") after \((clock.now - settling).seconds) (\(report.snapshots) reads)")

            var orders: [Order] = []
            for id in orderIds { if let order = try await system.order(id) { orders.append(order) } }
            let confirmed = orders.filter { $0.status == .confirmed }
            let reasons = Dictionary(grouping: orders.compactMap(\.cancellationReason), by: { $0 }).mapValues(\.count)
            figures.record("\(confirmed.count) confirmed, cancelled by reason \(reasons.sorted(by: { $0.key < $1.key }))")
            #expect(!confirmed.isEmpty, "stocked orders of funded customers are confirmed")
            #expect(reasons[CancellationReason.outOfStock] != nil, "demand exceeds stock, so some orders are cancelled out_of_stock")
            #expect(reasons[CancellationReason.paymentDeclined] != nil, "c-none has no account, so its orders are declined")
            for order in orders where order.customerId == "c-none" {
                #expect(order.status == .cancelled && order.cancellationReason == CancellationReason.paymentDeclined, "\(order)")
            }
        }
    }

    // MARK: 2. Broker outage

    @Test func brokerStoppedAndStartedWhileOrdersArePlaced() async throws {
        let figures = Figures("2 broker outage")
        defer { figures.summary() }
        try await withSagaSystem { system in
            let customers = (1...4).map { "c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 40_000) }
            try await system.restock(sku: "SKU-A", quantity: 100)
            try await system.restock(sku: "SKU-B", quantity: 20)
            func items(_ index: Int) -> [OrderLine] {
                index % 3 == 0
                    ? [OrderLine(sku: "SKU-B", quantity: 2, unitPrice: 650)]
                    : [OrderLine(sku: "SKU-A", quantity: 1 + index % 2, unitPrice: 400)]
            }
            for index in 0..<20 {
                try await system.placeOrder(customerId: customers[index % customers.count], items: items(index))
            }

            let clock = ContinuousClock()
            let stopping = clock.now
            try await system.broker.stopApp()
            let stopped = clock.now
            figures.record("rabbitmqctl stop_app took \((stopped - stopping).seconds)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in ServiceName.allCases {
                    group.addTask {
                        _ = try await waitUntil("\(name) answers GET /ready with 503 while the broker is down", timeout: .seconds(60), interval: .milliseconds(100)) {
                            let status = await system.readyStatus(name)
                            return status == 503 ? .done(()) : .notYet(seen: status.map { "\($0)" } ?? "no answer")
                        }
                        figures.record("\(name) /ready 503 \((clock.now - stopped).seconds) after stop_app returned")
                    }
                }
                try await group.waitForAll()
            }

            // The services keep taking work: orders are accepted (202, checked by placeOrder), deposits too.
            var outageOrders: [String] = []
            for index in 0..<40 {
                outageOrders.append(try await system.placeOrder(customerId: customers[index % customers.count], items: items(index + 1)))
            }
            try await system.deposit(customerId: "c-outage", amount: 5_000)
            outageOrders.append(try await system.placeOrder(customerId: "c-outage", items: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 1_000)]))
            for id in outageOrders {
                let order = try #require(try await system.order(id))
                #expect(order.status == .pending, "nothing can move while the broker is down: \(order)")
            }

            // SIGTERM while the broker is down: a clean exit, and a fresh start serves HTTP (503 on /ready).
            let termination = await system.paymentService.terminate()
            #expect(termination == .exited(0), "payment-service must exit 0 on SIGTERM while its broker is down, got \(String(describing: termination))")
            try await system.paymentService.start()
            _ = try await waitUntil("restarted payment-service answers GET /ready with 503 while the broker is down", timeout: .seconds(60), interval: .milliseconds(100)) {
                let status = await system.readyStatus(.payment)
                return status == 503 ? .done(()) : .notYet(seen: status.map { "\($0)" } ?? "no answer")
            }

            // order-service was not restarted: its relay has published every stored event once
            // `outbox_published_total` reaches the size of its store.
            let orderBacklog = try await system.feed(.order).count
            let publishedDuringOutage = try await system.metric(.order, "outbox_published_total")
            figures.record("order-service outbox during the outage: \(orderBacklog) events stored, \(Int(publishedDuringOutage)) published")

            let starting = clock.now
            try await system.broker.startApp()
            let started = clock.now
            figures.record("rabbitmqctl start_app (until the port answers) took \((started - starting).seconds)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in ServiceName.allCases {
                    group.addTask {
                        _ = try await waitUntil("\(name) answers GET /ready with 200 after the broker is back", timeout: .seconds(60), interval: .milliseconds(100)) {
                            let status = await system.readyStatus(name)
                            return status == 200 ? .done(()) : .notYet(seen: status.map { "\($0)" } ?? "no answer")
                        }
                        figures.record("\(name) /ready 200 \((clock.now - started).seconds) after the broker port answered")
                    }
                }
                group.addTask {
                    _ = try await waitUntil("order-service drained its outbox (\(orderBacklog) events)", timeout: .seconds(60), interval: .milliseconds(100)) {
                        let published = try await system.metric(.order, "outbox_published_total")
                        return published >= Double(orderBacklog) ? .done(()) : .notYet(seen: "\(Int(published)) published")
                    }
                    figures.record("order-service outbox drained (\(orderBacklog) events) \((clock.now - started).seconds) after the broker port answered")
                }
                try await group.waitForAll()
            }
            for id in outageOrders { _ = try await system.waitForFinalStatus(id) }
            figures.record("all \(outageOrders.count) orders placed during the outage final \((clock.now - started).seconds) after the broker port answered")

            await system.checkInvariants()
            var confirmed = 0
            for id in outageOrders where try await system.order(id)?.status == .confirmed { confirmed += 1 }
            #expect(confirmed > 0, "orders accepted during the outage go through once the broker is back")
        }
    }

    // MARK: 3. Duplicates

    @Test func everyEventDeliveredThreeTimesChangesNothing() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)
            try await system.deposit(customerId: "c-2", amount: 10_000)
            try await system.restock(sku: "SKU-A", quantity: 10)
            try await system.restock(sku: "SKU-B", quantity: 1)
            let confirmedId = try await system.placeOrder(customerId: "c-1", items: [OrderLine(sku: "SKU-A", quantity: 2, unitPrice: 1_000)])
            let cancelledId = try await system.placeOrder(customerId: "c-2", items: [OrderLine(sku: "SKU-B", quantity: 2, unitPrice: 500)])
            #expect(try await system.waitForFinalStatus(confirmedId).status == .confirmed)
            let cancelled = try await system.waitForFinalStatus(cancelledId)
            #expect(cancelled.status == .cancelled && cancelled.cancellationReason == CancellationReason.outOfStock, "\(cancelled)")
            await system.checkInvariants()

            // Every saga event of both orders, as the owning services stored them.
            let paymentFeed = try await system.feed(.payment)
            let inventoryFeed = try await system.feed(.inventory)
            func sagaEvents(_ orderId: String) async throws -> [JSONValue] {
                let ownEvents = try await system.orderEvents(orderId).events
                let others = (paymentFeed + inventoryFeed).filter {
                    $0["correlationId"]?.stringValue == orderId && Route.of(eventType: $0["eventType"]?.stringValue ?? "") != nil
                }
                return ownEvents + others
            }
            let events = try await sagaEvents(confirmedId) + sagaEvents(cancelledId)
            let types = events.compactMap { $0["eventType"]?.stringValue }.sorted()
            #expect(types == [
                "InventoryReservationFailed", "InventoryReserved", "OrderCancelled", "OrderConfirmed", "OrderPlaced", "OrderPlaced",
                "PaymentAuthorized", "PaymentAuthorized", "PaymentRefunded",
            ], "the saga events of a confirmed and an out-of-stock order")

            let before = try await StateSnapshot.read(system, orders: [confirmedId, cancelledId], customers: ["c-1", "c-2"], skus: ["SKU-A", "SKU-B"])
            // How many duplicates each saga consumer must ack: every event goes out twice more.
            let bindings: [ServiceName: Set<String>] = [
                .payment: ["OrderPlaced", "OrderCancelled", "InventoryReservationFailed"],
                .inventory: ["PaymentAuthorized", "OrderCancelled"],
                .order: ["InventoryReserved", "PaymentDeclined", "PaymentRefunded"],
            ]
            var duplicatesBefore: [ServiceName: Double] = [:]
            var handledBefore: [ServiceName: Double] = [:]
            for name in bindings.keys {
                duplicatesBefore[name] = try await system.metric(name, "messages_duplicate_total")
                handledBefore[name] = try await system.metric(name, "messages_handled_total")
            }

            let publisher = try await RawPublisher.connect(to: system)
            for _ in 0..<2 {
                for event in events { try await publisher.publish(envelope: event) }
            }
            await publisher.close()

            for (name, bound) in bindings.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let expected = Double(2 * types.filter(bound.contains).count)
                let start = duplicatesBefore[name] ?? 0
                _ = try await waitUntil("\(name) acked \(Int(expected)) duplicates", timeout: .seconds(30)) {
                    let now = try await system.metric(name, "messages_duplicate_total")
                    return now - start >= expected ? .done(()) : .notYet(seen: "\(Int(now - start)) duplicates so far")
                }
                let handled = try await system.metric(name, "messages_handled_total")
                #expect(handled == handledBefore[name], "\(name) handled \(Int(handled - (handledBefore[name] ?? 0))) of the copies as new events")
            }
            // projection-service's queue is FIFO: once a later order's saga shows there, every copy
            // ahead of it was consumed.
            try await system.deposit(customerId: "c-marker", amount: 1_000)
            try await system.restock(sku: "SKU-MARKER", quantity: 1)
            let marker = try await system.placeOrder(customerId: "c-marker", items: [OrderLine(sku: "SKU-MARKER", quantity: 1, unitPrice: 100)])
            #expect(try await system.waitForFinalStatus(marker).status == .confirmed)
            try await system.waitForProjectedOrder(marker, "CONFIRMED") { $0.status == .confirmed && $0.inventory?.status == .reserved }

            let after = try await StateSnapshot.read(system, orders: [confirmedId, cancelledId], customers: ["c-1", "c-2"], skus: ["SKU-A", "SKU-B"])
            for difference in before.differences(to: after) {
                Issue.record("a duplicate changed the system: \(difference)")
            }
            for name in ServiceName.allCases {
                #expect(try await system.deadLetters(name).total == 0, "a duplicate is acked, never parked (\(name))")
            }
            await system.checkInvariants()
        }
    }

    // MARK: 4. Dead letters: parked, listed, replayed, discarded

    @Test func malformedAndPoisonMessagesAreParkedListedReplayedAndDiscardedWhileTheSagaGoesOn() async throws {
        var configuration = SagaConfiguration()
        configuration.maxDeliveryAttempts = 3
        configuration.retryDelaysMs = [100, 200]
        try await withSagaSystem(configuration) { system in
            let customers = (1...4).map { "c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 100_000) }
            try await system.restock(sku: "SKU-A", quantity: 1_000)
            // Good orders all along.
            async let goodOrders: [String] = withThrowingTaskGroup(of: [String].self) { group in
                for placer in 0..<2 {
                    group.addTask {
                        var ids: [String] = []
                        for index in stride(from: placer, to: 40, by: 2) {
                            ids.append(try await system.placeOrder(
                                customerId: customers[index % customers.count],
                                items: [OrderLine(sku: "SKU-A", quantity: 1 + index % 3, unitPrice: 250)]))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        return ids
                    }
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }

            let publisher = try await RawPublisher.connect(to: system)
            // Not JSON, on a key payment- and projection-service bind (inventory-service does not).
            let notJSON = "malformed-\(UUID().uuidString.lowercased())"
            try await publisher.publish(exchange: "orders", routingKey: "order.placed", body: Data("not json".utf8), messageId: notJSON)
            // JSON, but not an envelope, on a key order- and projection-service bind.
            let notEnvelope = "malformed-\(UUID().uuidString.lowercased())"
            try await publisher.publish(exchange: "inventory", routingKey: "inventory.reserved", body: Data(#"{"hello":"world"}"#.utf8), messageId: notEnvelope)
            // Poison: a valid envelope order-service can never handle (it never saw the order).
            let ghostOrder = "ghost-\(UUID().uuidString.lowercased())"
            let poison = Envelope.inventoryReserved(orderId: ghostOrder, items: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 0)])
            let poisonId = try #require(poison["eventId"]?.stringValue)
            try await publisher.publish(envelope: poison)

            let parkedNotJSON = try await system.waitForDeadLetter(.payment, id: notJSON)
            #expect(parkedNotJSON.reason == "malformed", "\(parkedNotJSON)")
            #expect(parkedNotJSON.attempts == 1, "a malformed message is parked at once: \(parkedNotJSON)")
            #expect(parkedNotJSON.originalExchange == "orders" && parkedNotJSON.originalRoutingKey == "order.placed", "\(parkedNotJSON)")
            #expect(parkedNotJSON.body == "not json", "\(parkedNotJSON)")
            #expect(parkedNotJSON.parkedAt != nil && !(parkedNotJSON.error ?? "").isEmpty, "\(parkedNotJSON)")
            let projectionCopy = try await system.waitForDeadLetter(.projection, id: notJSON)
            #expect(projectionCopy.reason == "malformed", "\(projectionCopy)")

            let parkedNotEnvelope = try await system.waitForDeadLetter(.order, id: notEnvelope)
            #expect(parkedNotEnvelope.reason == "malformed" && parkedNotEnvelope.attempts == 1, "\(parkedNotEnvelope)")
            #expect(parkedNotEnvelope.originalExchange == "inventory" && parkedNotEnvelope.originalRoutingKey == "inventory.reserved", "\(parkedNotEnvelope)")

            let parkedPoison = try await system.waitForDeadLetter(.order, id: poisonId)
            #expect(parkedPoison.reason == "max_attempts_exceeded", "\(parkedPoison)")
            #expect(parkedPoison.attempts == 3, "parked after MAX_DELIVERY_ATTEMPTS=3 deliveries: \(parkedPoison)")
            #expect(parkedPoison.eventType == "InventoryReserved" && parkedPoison.correlationId == ghostOrder, "\(parkedPoison)")
            #expect(parkedPoison.originalExchange == "inventory" && parkedPoison.originalRoutingKey == "inventory.reserved", "\(parkedPoison)")
            #expect((parkedPoison.error ?? "").contains("does not exist"), "\(parkedPoison)")
            #expect(try await system.deadLetters(.inventory).deadLetters.allSatisfy { $0.id != notJSON }, "inventory-service does not bind order.placed")

            // Listing: auth and paging.
            let anonymous = try await system.orderService.client.get("/admin/dead-letters")
            #expect(anonymous.status == 401, "\(anonymous)")
            let orderLetters = try await system.deadLetters(.order)
            #expect(orderLetters.total == 2, "order-service parked the two bad messages and nothing else: \(orderLetters.deadLetters)")
            let first = try await system.deadLetters(.order, limit: 1)
            guard let cursor = first.nextCursor else {
                Issue.record("a full page has a next cursor")
                return
            }
            let second = try await system.deadLetters(.order, limit: 1, cursor: cursor)
            #expect(first.deadLetters.count == 1 && second.deadLetters.count == 1 && first.total == 2 && first.limit == 1 && second.total == 2)
            #expect(Set((first.deadLetters + second.deadLetters).map(\.id)) == [notEnvelope, poisonId], "pages: \(first.deadLetters) / \(second.deadLetters)")

            // Replaying a malformed message parks it again (still malformed); then it is discarded.
            let replayed = try await system.replayDeadLetter(.payment, id: notJSON)
            #expect(replayed.status == 202, "\(replayed)")
            let reparked = try await system.waitForDeadLetter(.payment, id: notJSON, "parked again after the replay") {
                $0.parkedAt != parkedNotJSON.parkedAt
            }
            #expect(reparked.reason == "malformed" && reparked.attempts == 1, "\(reparked)")
            let discarded = try await system.discardDeadLetter(.payment, id: notJSON)
            #expect(discarded.status == 200, "\(discarded)")
            #expect(try await system.deadLetters(.payment).deadLetters.allSatisfy { $0.id != notJSON }, "a discarded message is gone")
            #expect(try await system.discardDeadLetter(.payment, id: notJSON).status == 404)
            #expect(try await system.replayDeadLetter(.payment, id: notJSON).status == 404)
            #expect(try await system.replayDeadLetter(.order, id: "no-such-message").status == 404)

            // Replaying the poison message gives it a fresh attempt count: it fails MAX times again.
            #expect(try await system.replayDeadLetter(.order, id: poisonId).status == 202)
            let poisonAgain = try await system.waitForDeadLetter(.order, id: poisonId, "parked again after the replay") {
                $0.parkedAt != parkedPoison.parkedAt
            }
            #expect(poisonAgain.reason == "max_attempts_exceeded" && poisonAgain.attempts == 3, "\(poisonAgain)")
            #expect(try await system.discardDeadLetter(.order, id: poisonId).status == 200)
            #expect(try await system.discardDeadLetter(.order, id: notEnvelope).status == 200)
            #expect(try await system.discardDeadLetter(.projection, id: notJSON).status == 200)

            // The saga went on for everybody else.
            let good = try await goodOrders
            for id in good {
                let order = try await system.waitForFinalStatus(id)
                #expect(order.status == .confirmed, "\(order)")
            }

            // A message parked because its cause had not arrived is replayed once the cause is
            // there, and then succeeds. inventory-service is stopped so that nothing but the replay
            // can refund the payment.
            let inventoryExit = await system.inventoryService.terminate()
            #expect(inventoryExit == .exited(0), "\(String(describing: inventoryExit))")
            try await system.deposit(customerId: "c-late", amount: 5_000)
            let lateOrder = "late-\(UUID().uuidString.lowercased())"
            let lateItems = [OrderLine(sku: "SKU-NOWHERE", quantity: 1, unitPrice: 1_200)]
            let early = Envelope.inventoryReservationFailed(orderId: lateOrder, items: lateItems)
            let earlyId = try #require(early["eventId"]?.stringValue)
            try await publisher.publish(envelope: early)
            let parkedEarly = try await system.waitForDeadLetter(.payment, id: earlyId)
            #expect(parkedEarly.reason == "max_attempts_exceeded" && parkedEarly.attempts == 3, "\(parkedEarly)")
            try await publisher.publish(envelope: Envelope.orderPlaced(orderId: lateOrder, customerId: "c-late", items: lateItems))
            _ = try await waitUntil("payment of \(lateOrder) AUTHORIZED") {
                let payment = try await system.payment(orderId: lateOrder)
                return payment?.status == .authorized ? .done(()) : .notYet(seen: "\(String(describing: payment))")
            }
            #expect(try await system.account("c-late")?.balance == 3_800)
            #expect(try await system.replayDeadLetter(.payment, id: earlyId).status == 202)
            _ = try await waitUntil("payment of \(lateOrder) REFUNDED by the replayed message") {
                let payment = try await system.payment(orderId: lateOrder)
                return payment?.status == .refunded ? .done(()) : .notYet(seen: "\(String(describing: payment))")
            }
            #expect(try await system.account("c-late")?.balance == 5_000, "the refund restores the balance")
            let refund = try await system.feed(.payment).first {
                $0["eventType"]?.stringValue == "PaymentRefunded" && $0["correlationId"]?.stringValue == lateOrder
            }
            #expect(refund?["causationId"]?.stringValue == earlyId, "the replayed message caused the refund: \(String(describing: refund))")
            #expect(try await system.deadLetters(.payment).deadLetters.allSatisfy { $0.id != earlyId }, "a replay that succeeds is not parked again")
            await publisher.close()

            let ready = try await system.inventoryService.startAndTimeReadiness()
            print("[figures] 4 dead letters: inventory-service restart → /ready 200 in \(ready.seconds)")
            // order-service never knew the late order: the refund's PaymentRefunded is parked there.
            let orphanRefund = try await system.waitForDeadLetter(.order, id: try #require(refund?["eventId"]?.stringValue))
            #expect(orphanRefund.reason == "max_attempts_exceeded" && orphanRefund.attempts == 3, "\(orphanRefund)")

            // Nothing of the good orders was ever parked anywhere.
            let goodIds = Set(good)
            for name in ServiceName.allCases {
                for letter in try await system.deadLetters(name).deadLetters {
                    #expect(!goodIds.contains(letter.correlationId ?? ""), "\(name) parked a message of a good order: \(letter)")
                    #expect([ghostOrder, lateOrder, nil].contains(letter.correlationId), "\(name) parked an unexpected message: \(letter)")
                }
            }
            await system.checkInvariants()
        }
    }

    // MARK: 5. Retries

    @Test func transientFailureSucceedsOnARetryAndPermanentFailureIsParkedAfterMaxAttempts() async throws {
        var configuration = SagaConfiguration()
        configuration.maxDeliveryAttempts = 3
        // Long enough for the test to supply the missing cause between the first and the last try.
        configuration.retryDelaysMs = [500, 2_500]
        try await withSagaSystem(configuration) { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)
            try await system.deposit(customerId: "c-transient", amount: 5_000)
            try await system.restock(sku: "SKU-A", quantity: 10)
            let normal = try await system.placeOrder(customerId: "c-1", items: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 900)])
            #expect(try await system.waitForFinalStatus(normal).status == .confirmed)
            let publisher = try await RawPublisher.connect(to: system)

            // Always fails: order-service never saw the order.
            let retriedBefore = try await system.metric(.order, "messages_retried_total")
            let ghostOrder = "ghost-\(UUID().uuidString.lowercased())"
            let poison = Envelope.inventoryReserved(orderId: ghostOrder, items: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 0)])
            let poisonId = try #require(poison["eventId"]?.stringValue)
            try await publisher.publish(envelope: poison)
            let parked = try await system.waitForDeadLetter(.order, id: poisonId)
            #expect(parked.reason == "max_attempts_exceeded", "\(parked)")
            #expect(parked.attempts == configuration.maxDeliveryAttempts, "attempts equals MAX_DELIVERY_ATTEMPTS: \(parked)")
            #expect((parked.error ?? "").contains("does not exist"), "\(parked)")
            #expect(parked.correlationId == ghostOrder && parked.eventType == "InventoryReserved", "\(parked)")
            let retried = try await system.metric(.order, "messages_retried_total") - retriedBefore
            #expect(retried == Double(configuration.maxDeliveryAttempts - 1), "every failed delivery but the last is retried")
            #expect(try await system.metric(.order, "messages_parked_total") >= 1)

            // Transient: the refund arrives before the payment it refunds. inventory-service is
            // stopped so that only the retried message can refund.
            let inventoryExit = await system.inventoryService.terminate()
            #expect(inventoryExit == .exited(0), "\(String(describing: inventoryExit))")
            let transientOrder = "transient-\(UUID().uuidString.lowercased())"
            let items = [OrderLine(sku: "SKU-NOWHERE", quantity: 1, unitPrice: 1_500)]
            let early = Envelope.inventoryReservationFailed(orderId: transientOrder, items: items)
            let earlyId = try #require(early["eventId"]?.stringValue)
            let paymentRetriesBefore = try await system.metric(.payment, "messages_retried_total")
            try await publisher.publish(envelope: early)
            _ = try await waitUntil("payment-service failed the early refund once and scheduled a retry", timeout: .seconds(30), interval: .milliseconds(25)) {
                let now = try await system.metric(.payment, "messages_retried_total")
                return now > paymentRetriesBefore ? .done(()) : .notYet(seen: "\(Int(now - paymentRetriesBefore)) retries")
            }
            try await publisher.publish(envelope: Envelope.orderPlaced(orderId: transientOrder, customerId: "c-transient", items: items))
            let payment = try await waitUntil("payment of \(transientOrder) REFUNDED on a retry", timeout: .seconds(30)) {
                let payment = try await system.payment(orderId: transientOrder)
                return payment?.status == .refunded ? .done(payment!) : .notYet(seen: "\(String(describing: payment))")
            }
            #expect(payment.amount == 1_500)
            #expect(try await system.account("c-transient")?.balance == 5_000, "the refund restores the balance")
            let refund = try await system.feed(.payment).first {
                $0["eventType"]?.stringValue == "PaymentRefunded" && $0["correlationId"]?.stringValue == transientOrder
            }
            #expect(refund?["causationId"]?.stringValue == earlyId, "the retried message caused the refund: \(String(describing: refund))")
            #expect(try await system.deadLetters(.payment).total == 0, "the transient failure was not parked")
            let paymentRetries = try await system.metric(.payment, "messages_retried_total") - paymentRetriesBefore
            #expect((1...Double(configuration.maxDeliveryAttempts - 1)).contains(paymentRetries), "\(paymentRetries) retries")
            print("[figures] 5 retries: the early refund succeeded after \(Int(paymentRetries)) retr\(paymentRetries == 1 ? "y" : "ies")")
            await publisher.close()

            let ready = try await system.inventoryService.startAndTimeReadiness()
            print("[figures] 5 retries: inventory-service restart → /ready 200 in \(ready.seconds)")
            // order-service never knew the transient order: the refund's event is parked there.
            let orphan = try await system.waitForDeadLetter(.order, id: try #require(refund?["eventId"]?.stringValue))
            #expect(orphan.reason == "max_attempts_exceeded" && orphan.attempts == 3, "\(orphan)")
            await system.checkInvariants()
        }
    }

    // MARK: 6. Cancellation

    @Test func cancellationsAtRandomPointsOfManySagasLeaveNothingHeldOrKept() async throws {
        let figures = Figures("6a random cancellations")
        defer { figures.summary() }
        try await withSagaSystem { system in
            let customers = (1...5).map { "c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 60_000) }
            for (sku, quantity) in [("SKU-A", 300), ("SKU-B", 300), ("SKU-C", 20)] {
                try await system.restock(sku: sku, quantity: quantity)
            }
            struct Outcome: Sendable {
                var orderId: String
                var answers: [HTTPResponse]
            }
            let total = 150
            let placers = 3
            let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
                for placer in 0..<placers {
                    group.addTask {
                        var random = SeededGenerator(seed: 0xC0FFEE &+ UInt64(placer))
                        return try await withThrowingTaskGroup(of: Outcome.self) { cancels in
                            var outcomes: [Outcome] = []
                            for index in stride(from: placer, to: total, by: placers) {
                                let items: [OrderLine] =
                                    switch index % 3 {
                                    case 0: [OrderLine(sku: "SKU-A", quantity: 2, unitPrice: 300)]
                                    case 1: [OrderLine(sku: "SKU-B", quantity: 1, unitPrice: 800), OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 300)]
                                    default: [OrderLine(sku: "SKU-C", quantity: 1, unitPrice: 1_000)]
                                    }
                                let id = try await system.placeOrder(customerId: customers[index % customers.count], items: items)
                                let cancel = Double.random(in: 0..<1, using: &random) < 0.6
                                guard cancel else {
                                    outcomes.append(Outcome(orderId: id, answers: []))
                                    continue
                                }
                                // Skewed towards the start of the saga, where most of its steps are.
                                let delay = Int(pow(Double.random(in: 0..<1, using: &random), 3) * 800)
                                let twice = Double.random(in: 0..<1, using: &random) < 0.15
                                cancels.addTask {
                                    try await Task.sleep(for: .milliseconds(delay))
                                    if twice {
                                        async let one = system.requestCancel(id)
                                        async let two = system.requestCancel(id)
                                        return Outcome(orderId: id, answers: try await [one, two])
                                    }
                                    return Outcome(orderId: id, answers: [try await system.requestCancel(id)])
                                }
                            }
                            for try await outcome in cancels { outcomes.append(outcome) }
                            return outcomes
                        }
                    }
                }
                var all: [Outcome] = []
                for try await outcomes in group { all += outcomes }
                return all
            }
            #expect(outcomes.count == total)

            var tally: [String: Int] = [:]
            for outcome in outcomes {
                let order = try await system.waitForFinalStatus(outcome.orderId)
                for answer in outcome.answers {
                    let label = "\(answer.status)"
                    tally[label, default: 0] += 1
                    switch answer.status {
                    case 202:
                        #expect(order.status == .cancelled, "a cancellation accepted with 202 must end CANCELLED, never CONFIRMED: \(order)")
                    case 200:
                        #expect(order.status == .cancelled, "200 means it was already cancelled: \(order)")
                    default:
                        Issue.record("unexpected answer to a cancellation: \(answer)")
                    }
                }
                #expect(outcome.answers.filter { $0.status == 202 }.count <= 1, "at most one cancellation takes effect: \(outcome.answers)")
                if outcome.answers.contains(where: { $0.status == 202 }) {
                    #expect(order.cancellationReason != nil && order.cancellationReason != CancellationReason.timeout, "\(order)")
                }
            }
            figures.record("cancellation answers: \(tally.sorted(by: { $0.key < $1.key }))")

            // Once final, a confirmed order can still be cancelled (and is compensated); a cancelled one stays cancelled.
            var finals: [Order] = []
            for outcome in outcomes { if let order = try await system.order(outcome.orderId) { finals.append(order) } }
            for order in finals.filter({ $0.status == .confirmed }).prefix(3) {
                let answer = try await system.requestCancel(order.orderId)
                #expect(answer.status == 202, "\(answer)")
            }
            for order in finals.filter({ $0.status == .cancelled }).prefix(3) {
                let answer = try await system.requestCancel(order.orderId)
                #expect(answer.status == 200, "\(answer)")
            }
            figures.record("\(finals.filter { $0.status == .confirmed }.count) confirmed, \(finals.filter { $0.status == .cancelled }.count) cancelled")
            await system.checkInvariants()
        }
    }

    @Test func sagaDeadlineFiresWhileInventoryServiceIsStoppedAndEverythingIsUndoneAfterItsRestart() async throws {
        let figures = Figures("6b deadline while a service is down")
        defer { figures.summary() }
        var configuration = SagaConfiguration()
        configuration.sagaTimeoutSeconds = 3
        try await withSagaSystem(configuration) { system in
            let customers = (1...4).map { "c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 50_000) }
            try await system.restock(sku: "SKU-A", quantity: 100)
            try await system.restock(sku: "SKU-B", quantity: 100)

            let inventoryExit = await system.inventoryService.terminate()
            #expect(inventoryExit == .exited(0), "inventory-service must exit 0 on SIGTERM, got \(String(describing: inventoryExit))")

            var orderIds: [String] = []
            for index in 0..<20 {
                orderIds.append(try await system.placeOrder(
                    customerId: customers[index % customers.count],
                    items: [OrderLine(sku: index % 2 == 0 ? "SKU-A" : "SKU-B", quantity: 1 + index % 3, unitPrice: 750)]))
            }
            let lastPlaced = ContinuousClock.now
            // Money is taken while inventory-service is away.
            for id in orderIds.prefix(5) {
                _ = try await waitUntil("payment of \(id) exists") {
                    let payment = try await system.payment(orderId: id)
                    return payment != nil ? .done(()) : .notYet(seen: "404")
                }
            }
            // The deadlines are in order-service's store: it is killed before they pass and
            // started after, and still cancels every order.
            let orderKill = await system.orderService.kill()
            #expect(orderKill == .signaled(SIGKILL))
            let pastDeadline = lastPlaced + .seconds(configuration.sagaTimeoutSeconds) + .milliseconds(1_500)
            if ContinuousClock.now < pastDeadline { try await Task.sleep(until: pastDeadline, clock: .continuous) }
            let ready = try await system.orderService.startAndTimeReadiness()
            figures.record("order-service restarted after the deadlines passed → /ready 200 in \(ready.seconds)")

            for id in orderIds {
                let order = try await system.waitForFinalStatus(id)
                #expect(order.status == .cancelled && order.cancellationReason == CancellationReason.timeout, "\(order)")
            }
            // payment-service refunds while inventory-service is still stopped.
            for id in orderIds {
                _ = try await waitUntil("payment of \(id) is not kept") {
                    let payment = try await system.payment(orderId: id)
                    return payment == nil || payment?.status == .refunded || payment?.status == .declined
                        ? .done(()) : .notYet(seen: "\(String(describing: payment))")
                }
            }
            for customer in customers {
                #expect(try await system.account(customer)?.balance == 50_000, "\(customer) got every cent back")
            }

            let inventoryReady = try await system.inventoryService.startAndTimeReadiness()
            figures.record("inventory-service restarted → /ready 200 in \(inventoryReady.seconds)")
            for sku in ["SKU-A", "SKU-B"] {
                let product = try await waitUntil("\(sku) holds nothing after inventory-service caught up", read: {
                    guard let product = try await system.product(sku) else { throw HTTPClientError("404 for \(sku)") }
                    return product
                }, until: { $0.reserved == 0 && $0.available == 100 })
                #expect(product.reserved == 0 && product.available == 100, "\(product)")
            }
            await system.checkInvariants()
            for id in orderIds {
                let projected = try await system.projectedOrder(id)
                #expect(projected?.inventory?.status != .reserved, "\(String(describing: projected))")
            }
        }
    }

    // MARK: 7. Contention

    @Test func twentyFiveCustomersRaceForFiveUnits() async throws {
        try await withSagaSystem { system in
            let customers = (1...25).map { "c-\($0)" }
            for customer in customers { try await system.deposit(customerId: customer, amount: 10_000) }
            try await system.restock(sku: "SKU-HOT", quantity: 5)

            let placed = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for customer in customers {
                    group.addTask {
                        (customer, try await system.placeOrder(customerId: customer, items: [OrderLine(sku: "SKU-HOT", quantity: 1, unitPrice: 1_000)]))
                    }
                }
                var all: [(String, String)] = []
                for try await pair in group { all.append(pair) }
                return all
            }
            var confirmed: [String] = []
            for (customer, id) in placed {
                let order = try await system.waitForFinalStatus(id)
                if order.status == .confirmed {
                    confirmed.append(customer)
                } else {
                    #expect(order.cancellationReason == CancellationReason.outOfStock, "\(order)")
                    let payment = try await system.payment(orderId: id)
                    #expect(payment?.status == .refunded && payment?.amount == 1_000, "\(String(describing: payment))")
                }
            }
            #expect(confirmed.count == 5, "exactly as many winners as units: \(confirmed)")
            await system.checkInvariants()
            for customer in customers {
                let balance = try await system.account(customer)?.balance
                #expect(balance == (confirmed.contains(customer) ? 9_000 : 10_000), "\(customer): \(String(describing: balance))")
            }
            let product = try #require(try await system.product("SKU-HOT"))
            #expect(product.available == 0 && product.reserved == 5, "\(product)")
        }
    }
}

// MARK: - State snapshot for the duplicate scenario

/// Everything a duplicate could change, as the public APIs show it.
struct StateSnapshot: Sendable {
    var values: [String: JSONValue] = [:]

    static func read(_ system: SagaSystem, orders: [String], customers: [String], skus: [String]) async throws -> StateSnapshot {
        var snapshot = StateSnapshot()
        func take(_ label: String, _ client: HTTPClient, _ path: String) async throws {
            let response = try await client.get(path)
            guard response.status == 200, let json = response.json else { throw HTTPClientError("expected JSON 200, got \(response)") }
            snapshot.values[label] = json
        }
        for id in orders {
            try await take("order-service order \(id)", system.orderService.client, "/orders/\(id)")
            try await take("order-service events of \(id)", system.orderService.client, "/orders/\(id)/events")
            try await take("payment-service payment \(id)", system.paymentService.client, "/payments/\(id)")
            try await take("projection-service order \(id)", system.projectionService.client, "/orders/\(id)")
            try await take("projection-service timeline \(id)", system.projectionService.client, "/orders/\(id)/timeline")
        }
        for customer in customers {
            try await take("payment-service account \(customer)", system.paymentService.client, "/accounts/\(customer)")
            try await take("projection-service customer \(customer)", system.projectionService.client, "/customers/\(customer)")
        }
        for sku in skus {
            try await take("inventory-service product \(sku)", system.inventoryService.client, "/products/\(sku)")
        }
        for product in try await system.projectedProducts() where skus.contains(product.sku) {
            snapshot.values["projection-service product \(product.sku)"] = .string(product.description)
        }
        for name in [ServiceName.order, .payment, .inventory] {
            let own = try await system.feed(name).filter {
                orders.contains($0["correlationId"]?.stringValue ?? "") || customers.contains($0["aggregateId"]?.stringValue ?? "")
                    || skus.contains($0["aggregateId"]?.stringValue ?? "")
            }
            snapshot.values["\(name) stored events of these orders, customers and products"] = .int(own.count)
        }
        return snapshot
    }

    func differences(to other: StateSnapshot) -> [String] {
        Set(values.keys).union(other.values.keys).sorted().compactMap { key in
            values[key] == other.values[key] ? nil : "\(key): \(values[key]?.description ?? "nil") → \(other.values[key]?.description ?? "nil")"
        }
    }
}
