import Foundation
import Testing
import TestSupport

/// The operator CLI end to end: the real `sagactl` binary against the four real services and
/// a private broker, checking exit codes and the `--json` shapes of docs/CLI.md.
@Suite("sagactl against the running system", .serialized, .timeLimit(.minutes(20)))
struct SagaCtlTests {
    @Test func anOrderIsPlacedShownWithItsTimelineUntilConfirmedAndCancelled() async throws {
        try await withSagaSystem { (system: SagaSystem) async throws -> Void in try await Self.placeShowAndCancel(system) }
    }

    @Test func aParkedMessageIsListedInspectedReplayedAndDeletedAndTheProjectionRebuilt() async throws {
        try await withSagaSystem { (system: SagaSystem) async throws -> Void in
            try await Self.parkReplayAndDelete(system)
            try await Self.rebuildAndStatus(system)
        }
    }

    static func placeShowAndCancel(_ system: SagaSystem) async throws {
        let sagactl = try SagaCtl(system: system)
        try await system.deposit(customerId: "c/cli 1", amount: 10_000)
        try await system.restock(sku: "SKU:cli/1", quantity: 5)

        let placed = try await sagactl("order", "place", "--customer", "c/cli 1", "--item", "SKU:cli/1:2:1250", "--json")
        #expect(placed.status == 0, "\(placed)")
        let orderId = try #require(try placed.json()["orderId"]?.stringValue, "\(placed)")
        #expect(try placed.json()["status"]?.stringValue == "PENDING")

        let shown = try await waitUntil("sagactl order show says CONFIRMED with OrderConfirmed in the timeline", timeout: .seconds(90)) { () async throws -> Poll<JSONValue> in
            let run = try await sagactl("order", "show", orderId, "--json")
            guard run.status == 0 else { return .notYet(seen: "\(run)") }
            let json = try run.json()
            let types = json["timeline"]?.arrayValue?.compactMap { $0["eventType"]?.stringValue } ?? []
            guard json["order"]?["status"]?.stringValue == "CONFIRMED", types.contains("OrderConfirmed") else {
                return .notYet(seen: "\(json)")
            }
            return .done(json)
        }
        #expect(shown["order"]?["customerId"]?.stringValue == "c/cli 1")
        #expect(shown["order"]?["total"]?.intValue == 2500)
        let timeline = shown["timeline"]?.arrayValue ?? []
        #expect(timeline.first?["eventType"]?.stringValue == "OrderPlaced")
        #expect(timeline.first?["causationId"] == nil || timeline.first?["causationId"] == .null)
        let ids = Set(timeline.compactMap { $0["eventId"]?.stringValue })
        for event in timeline.dropFirst() {
            #expect(event["service"]?.stringValue != nil, "\(event)")
            let cause = try #require(event["causationId"]?.stringValue, "every later step has a cause: \(event)")
            #expect(ids.contains(cause), "the cause of \(event) is in the timeline")
        }

        let human = try await sagactl("order", "show", orderId)
        #expect(human.status == 0, "\(human)")
        #expect(human.stdout.contains("CONFIRMED") && human.stdout.contains("CAUSED BY") && human.stdout.contains("#1 OrderPlaced"), "\(human)")

        let cancelled = try await sagactl("order", "cancel", orderId, "--json")
        #expect(cancelled.status == 0, "\(cancelled)")
        #expect(try cancelled.json()["status"]?.stringValue == "CANCELLED")
        #expect(try cancelled.json()["cancellationReason"]?.stringValue == "customer_request")

        let unknown = try await sagactl("order", "show", "no such/order", "--json")
        #expect(unknown.status == 2, "\(unknown)")
        #expect(try unknown.json()["error"]?["code"]?.stringValue == "not_found")
        #expect(unknown.stderr.contains("not_found"), "\(unknown)")

        let badItem = try await sagactl("order", "place", "--customer", "c-1", "--item", "SKU-1:two:100")
        #expect(badItem.status == 1, "\(badItem)")
        #expect(badItem.stderr.contains("invalid_argument"), "\(badItem)")
        let rejected = try await sagactl("order", "place", "--customer", "c-1", "--item", "SKU-1:1:100", "--currency", "usd")
        #expect(rejected.status == 1, "a 400 from order-service is exit 1: \(rejected)")
        #expect(rejected.stderr.contains("invalid_field"), "the contract's code is printed: \(rejected)")
        let unknownFlag = try await sagactl("order", "place", "--no-such-flag")
        #expect(unknownFlag.status == 1, "\(unknownFlag)")

        let unreachable = try await sagactl.run(["order", "show", orderId, "--projection-url", "http://127.0.0.1:1"])
        #expect(unreachable.status == 4, "\(unreachable)")

        await system.checkInvariants()
    }

    static func parkReplayAndDelete(_ system: SagaSystem) async throws {
        let sagactl = try SagaCtl(system: system)
        let messageId = "cli-parked/1 caf\u{E9}"
        let publisher = try await RawPublisher.connect(to: system)
        try await publisher.publish(
            exchange: "orders", routingKey: "order.placed", body: Data("not json".utf8), messageId: messageId, type: "OrderPlaced")
        await publisher.close()

        let listed = try await waitUntil("payment-service has parked the message", timeout: .seconds(60)) { () async throws -> Poll<[JSONValue]> in
            let run = try await sagactl("dead-letters", "list", "--service", "payment", "--event-type", "OrderPlaced", "--json")
            guard run.status == 0, let letters = try run.json()["deadLetters"]?.arrayValue, !letters.isEmpty else {
                return .notYet(seen: "\(run)")
            }
            return .done(letters)
        }
        #expect(listed.count == 1, "\(listed)")
        #expect(listed.first?["id"]?.stringValue.map { Array($0.utf8) } == Array(messageId.utf8))
        #expect(listed.first?["service"]?.stringValue == "payment-service")

        let inspected = try await sagactl("dead-letters", "inspect", messageId, "--service", "payment", "--json")
        #expect(inspected.status == 0, "\(inspected)")
        #expect(try inspected.json()["deadLetters"]?[0]?["body"]?.stringValue == "not json", "\(inspected)")

        let replayed = try await sagactl("dead-letters", "replay", messageId, "--service", "payment", "--json")
        #expect(replayed.status == 0, "\(replayed)")
        #expect(try replayed.json()["total"]?.intValue == 1, "\(replayed)")
        #expect(try replayed.json()["byService"]?["payment-service"]?.intValue == 1, "\(replayed)")

        let missing = try await sagactl("dead-letters", "replay", "never parked", "--service", "payment", "--json")
        #expect(missing.status == 2, "\(missing)")
        #expect(try missing.json()["notFound"]?.arrayValue == [.string("never parked")], "\(missing)")

        let unfiltered = try await sagactl("dead-letters", "delete", "--service", "payment")
        #expect(unfiltered.status == 1, "a bulk delete without a filter needs --all: \(unfiltered)")

        // Still not JSON, so the replayed message is parked again; then the bulk delete by filter takes it.
        _ = try await waitUntil("the replayed message is parked again", timeout: .seconds(60)) { () async throws -> Poll<SagaCtlRun> in
            let run = try await sagactl("dead-letters", "inspect", messageId, "--service", "payment", "--json")
            return run.status == 0 ? .done(run) : .notYet(seen: "\(run)")
        }
        let deleted = try await sagactl("dead-letters", "delete", "--service", "payment", "--event-type", "OrderPlaced", "--json")
        #expect(deleted.status == 0, "\(deleted)")
        #expect(try deleted.json()["total"]?.intValue == 1, "\(deleted)")
        let gone = try await sagactl("dead-letters", "inspect", messageId, "--service", "payment")
        #expect(gone.status == 2, "\(gone)")

        let noToken = try await sagactl.run(["dead-letters", "list"], environment: ["ADMIN_TOKEN": "wrong"])
        #expect(noToken.status == 3, "a 401 is exit 3: \(noToken)")
        #expect(noToken.stderr.contains("unauthorized"), "\(noToken)")
    }

    static func rebuildAndStatus(_ system: SagaSystem) async throws {
        let sagactl = try SagaCtl(system: system)
        // The projection rebuild, followed to the end (not a terminal: plain lines).
        try await system.deposit(customerId: "c-rebuild", amount: 5_000)
        try await system.restock(sku: "SKU-rebuild", quantity: 5)
        let orderId = try await system.placeOrder(customerId: "c-rebuild", items: [OrderLine(sku: "SKU-rebuild", quantity: 1, unitPrice: 100)])
        _ = try await system.waitForFinalStatus(orderId)
        let rebuild = try await sagactl("projection", "rebuild")
        #expect(rebuild.status == 0, "\(rebuild)")
        #expect(rebuild.stdout.contains("completed"), "\(rebuild)")
        #expect(!rebuild.stdout.contains("\r"), "no progress bar when stdout is not a terminal: \(rebuild)")
        let rebuildJSON = try await sagactl("projection", "rebuild", "--json")
        #expect(rebuildJSON.status == 0, "\(rebuildJSON)")
        #expect(try rebuildJSON.json()["status"]?.stringValue == "completed", "\(rebuildJSON)")

        let status = try await waitUntil("the projection has caught up after the rebuild", timeout: .seconds(60)) { () async throws -> Poll<JSONValue> in
            let run = try await sagactl("status", "--json")
            guard run.status == 0 else { return .notYet(seen: "\(run)") }
            let json = try run.json()
            let lags = json["sources"]?.objectValue?.values.compactMap { $0["lag"]?.intValue } ?? []
            let pending = ["order-service", "payment-service", "inventory-service"].map { json["services"]?[$0]?["outboxPending"]?.intValue }
            guard lags.count == 3, lags.allSatisfy({ $0 == 0 }), json["orders"]?["CONFIRMED"]?.intValue == 1,
                  pending.allSatisfy({ $0 == 0 }) else {
                return .notYet(seen: "\(json)")
            }
            return .done(json)
        }
        for service in ["order-service", "payment-service", "inventory-service", "projection-service"] {
            #expect(status["services"]?[service]?["ready"] == .bool(true), "\(status)")
        }
        #expect(status["services"]?["payment-service"]?["parked"]?.intValue == 0, "\(status)")
        #expect(status["services"]?["payment-service"]?["queueDepth"]?.intValue != nil, "\(status)")

        let humanStatus = try await sagactl("status")
        #expect(humanStatus.status == 0, "\(humanStatus)")
        #expect(humanStatus.stdout.contains("LAG") && humanStatus.stdout.contains("projection-service"), "\(humanStatus)")
        let down = try await sagactl.run(["status"], environment: ["SAGACTL_PAYMENT_URL": "http://127.0.0.1:1"])
        #expect(down.status == 4, "\(down)")
        #expect(down.stdout.contains("unreachable"), "\(down)")
    }
}
