import Foundation
import Logging
import Messaging
import Synchronization
import Testing
import TestSupport

/// Dead letters at operator scale, against the real processes and broker: the keeper moves what
/// lands in `<service>.dead-letters` into the service's store, and the admin API lists, filters,
/// pages, replays and deletes there, one by one or in bulk, also while requests race each other.
/// Figures (bulk replay of 10,000, list latency with 10 and 100,000 rows) are printed, never asserted.
@Suite("Dead letters at operator scale", .serialized, .timeLimit(.minutes(30)))
struct DeadLetterScaleTests {
    // MARK: Filters, paging, replay and delete

    @Test func parkedMessagesAreFilteredPagedReplayedAndDeletedFromTheServiceStore() async throws {
        try await withSagaSystem { system in
            let seeder = try await DeadLetterSeeder.connect(to: system)
            let groups: [(type: String, reason: String, source: String, day: Int)] = [
                ("OrderPlaced", "malformed", "order-service", 1),
                ("InventoryReservationFailed", "max_attempts_exceeded", "inventory-service", 2),
                ("OrderCancelled", "max_attempts_exceeded", "order-service", 3),
            ]
            var ids: [String: [String]] = [:]
            for group in groups {
                let letters = (0..<10).map { index in
                    SeededLetter(
                        id: "dl-\(group.type)-\(index)", type: group.type, reason: group.reason, source: group.source,
                        parkedAt: "2026-01-0\(group.day)T00:00:\(String(format: "%02d", index)).000Z", body: "not json \(group.type) \(index)")
                }
                ids[group.type] = letters.map(\.id)
                try await seeder.park(letters, in: .payment)
            }
            try await system.waitForParkedTotal(.payment, 30)
            #expect(try await system.metric(.payment, "dead_letters_parked") == 30, "the gauge counts the rows")

            // The whole message is kept and shown.
            let first = try #require(try await system.deadLetters(.payment, limit: 1).deadLetters.first)
            #expect(first.id == "dl-OrderPlaced-0" && first.eventType == "OrderPlaced" && first.reason == "malformed", "\(first)")
            #expect(first.source == "order-service" && first.attempts == 3 && first.body == "not json OrderPlaced 0", "\(first)")
            #expect(first.originalExchange == "orders" && first.originalRoutingKey == "order.placed" && first.error == "seeded failure", "\(first)")
            #expect(first.parkedAt == "2026-01-01T00:00:00.000Z", "\(first)")

            // Filters, alone and together.
            let filters: [([String: String], Set<String>)] = [
                (["eventType": "OrderPlaced"], Set(ids["OrderPlaced"]!)),
                (["reason": "max_attempts_exceeded"], Set(ids["InventoryReservationFailed"]! + ids["OrderCancelled"]!)),
                (["source": "order-service"], Set(ids["OrderPlaced"]! + ids["OrderCancelled"]!)),
                (["source": "order-service", "reason": "max_attempts_exceeded"], Set(ids["OrderCancelled"]!)),
                (["parkedAfter": "2026-01-02T00:00:00Z", "parkedBefore": "2026-01-03T00:00:00Z"], Set(ids["InventoryReservationFailed"]!)),
                (["parkedAfter": "2026-01-01T00:00:05+00:00", "eventType": "OrderPlaced"], Set(ids["OrderPlaced"]!.suffix(5))),
                (["eventType": "NoSuchEvent"], []),
            ]
            for (filter, expected) in filters {
                let page = try await system.deadLetters(.payment, filter: filter)
                #expect(Set(page.deadLetters.map(\.id)) == expected && page.total == expected.count, "filter \(filter): \(page.deadLetters.map(\.id))")
            }

            // Paging with a cursor: every message once, oldest parked first, the total on every page.
            var seen: [DeadLetter] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await system.deadLetters(.payment, limit: 7, cursor: cursor)
                #expect(page.total == 30 && page.limit == 7)
                seen += page.deadLetters
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 5 && seen.count == 30 && Set(seen.map(\.id)).count == 30, "\(pages) pages, \(seen.count) letters")
            #expect(seen.map { $0.parkedAt ?? "" } == seen.map { $0.parkedAt ?? "" }.sorted(), "oldest parked first")
            let filteredPage = try await system.deadLetters(.payment, limit: 4, filter: ["source": "order-service"])
            let filteredRest = try await system.deadLetters(.payment, limit: 50, cursor: filteredPage.nextCursor, filter: ["source": "order-service"])
            #expect(filteredPage.deadLetters.count + filteredRest.deadLetters.count == 20 && filteredRest.nextCursor == nil)

            // Bad input is a 400 in the contract's shape, and changes nothing.
            let admin = system.paymentService.client
            for (method, path, code) in [
                ("POST", "/admin/dead-letters/replay", "filter_required"),
                ("DELETE", "/admin/dead-letters", "filter_required"),
                ("DELETE", "/admin/dead-letters?all=yes", "invalid_parameter"),
                ("GET", "/admin/dead-letters?parkedAfter=yesterday", "invalid_parameter"),
                ("GET", "/admin/dead-letters?cursor=not-a-cursor", "invalid_cursor"),
                ("GET", "/admin/dead-letters?eventType=", "invalid_parameter"),
                ("GET", "/admin/dead-letters?limit=0", "invalid_parameter"),
            ] {
                let response = try await admin.send(method, path, headers: system.adminHeaders)
                #expect(response.status == 400 && response.errorCode == code, "\(method) \(path): \(response)")
            }
            #expect(try await system.deadLetters(.payment).total == 30)

            // Replay by id: the message goes through the work queue again (still not JSON, it is
            // parked again at once) and keeps one row, the latest.
            let replayedId = ids["OrderPlaced"]![3]
            let replayed = try await system.replayDeadLetter(.payment, id: replayedId)
            #expect(replayed.status == 202, "\(replayed)")
            let reparked = try await system.waitForDeadLetter(.payment, id: replayedId, "parked again") { $0.parkedAt?.hasPrefix("2026-01") == false }
            #expect(reparked.reason == "malformed" && reparked.attempts == 1 && reparked.body == "not json OrderPlaced 3", "\(reparked)")
            #expect(reparked.originalExchange == "orders", "the original route survives a replay: \(reparked)")
            #expect(try await system.deadLetters(.payment).total == 30, "a message parked twice keeps one row")
            #expect(try await system.replayDeadLetter(.payment, id: "no-such-message").status == 404)

            // Bulk replay by filter answers with the count; each message comes back once.
            let parkedBefore = try await system.metric(.payment, "messages_parked_total")
            let bulk = try await admin.send("POST", "/admin/dead-letters/replay?eventType=OrderCancelled", headers: system.adminHeaders)
            #expect(bulk.status == 202 && bulk.json?["replayed"]?.intValue == 10, "\(bulk)")
            _ = try await waitUntil("the 10 replayed OrderCancelled messages parked again") {
                let page = try await system.deadLetters(.payment, filter: ["eventType": "OrderCancelled", "reason": "malformed"])
                return page.total == 10 ? .done(()) : .notYet(seen: "\(page.total) parked again")
            }
            // The forwarder counts a parking once the broker confirmed it, which may be after the keeper stored it.
            _ = try await waitUntil("payment-service counted 10 parkings") {
                let parked = try await system.metric(.payment, "messages_parked_total") - parkedBefore
                return parked >= 10 ? .done(()) : .notYet(seen: "\(parked)")
            }
            try await Task.sleep(for: .seconds(1))
            let parkedAgain = try await system.metric(.payment, "messages_parked_total") - parkedBefore
            #expect(parkedAgain == 10, "each replayed message was delivered once: \(parkedAgain) parked again")
            #expect(try await system.deadLetters(.payment).total == 30)

            // Delete by id, then in bulk by filter, then all.
            #expect(try await system.discardDeadLetter(.payment, id: ids["OrderPlaced"]![0]).status == 200)
            #expect(try await system.discardDeadLetter(.payment, id: ids["OrderPlaced"]![0]).status == 404)
            let bulkDelete = try await admin.send("DELETE", "/admin/dead-letters?source=inventory-service", headers: system.adminHeaders)
            #expect(bulkDelete.status == 200 && bulkDelete.json?["deleted"]?.intValue == 10, "\(bulkDelete)")
            #expect(try await system.deadLetters(.payment).total == 19)
            #expect(try await system.metric(.payment, "dead_letters_parked") == 19)
            let everything = try await admin.send("DELETE", "/admin/dead-letters?all=true", headers: system.adminHeaders)
            #expect(everything.status == 200 && everything.json?["deleted"]?.intValue == 19, "\(everything)")
            #expect(try await system.deadLetters(.payment).total == 0)

            // projection-service keeps its dead letters in its own control store, the same way.
            let publisher = try await RawPublisher.connect(to: system)
            let notJSON = "malformed-\(UUID().uuidString.lowercased())"
            try await publisher.publish(exchange: "orders", routingKey: "order.placed", body: Data("not json".utf8), messageId: notJSON)
            await publisher.close()
            let projected = try await system.waitForDeadLetter(.projection, id: notJSON)
            #expect(projected.reason == "malformed" && projected.source == "fault-tolerance-tests", "\(projected)")
            let byFilter = try await system.deadLetters(.projection, filter: ["source": "fault-tolerance-tests"])
            #expect(byFilter.deadLetters.map(\.id) == [notJSON], "\(byFilter.deadLetters)")
            #expect(try await system.replayDeadLetter(.projection, id: notJSON).status == 202)
            try await system.waitForDeadLetter(.projection, id: notJSON, "parked again") { $0.parkedAt != projected.parkedAt }
            #expect(try await system.discardDeadLetter(.projection, id: notJSON).status == 200)
            _ = try await system.waitForDeadLetter(.payment, id: notJSON)
            #expect(try await admin.send("DELETE", "/admin/dead-letters?all=true", headers: system.adminHeaders).status == 200)
            await seeder.close()
            await system.checkInvariants()
        }
    }

    // MARK: Concurrency

    @Test func concurrentBulkReplaysAndDeletesTakeEveryMessageExactlyOnce() async throws {
        try await withSagaSystem { system in
            let seeder = try await DeadLetterSeeder.connect(to: system)
            let count = 3_000
            let letters = (0..<count).map { index in
                SeededLetter(
                    id: "race-\(index)", type: "OrderPlaced", reason: "malformed", source: "order-service",
                    parkedAt: Envelope.timestamp(Date(timeIntervalSince1970: 1_767_225_600 + Double(index))), body: "not json \(index)")
            }
            try await seeder.park(letters, in: .payment)
            try await system.waitForParkedTotal(.payment, count)
            await seeder.close()
            let parkedBefore = try await system.metric(.payment, "messages_parked_total")

            // Two bulk replays and two bulk deletes of the same rows, all at once (the filter
            // leaves out what the replays park again, which is parked now, not in January).
            let filter = "source=order-service&parkedBefore=2026-06-01T00:00:00Z"
            let client = system.paymentService.client
            let headers = system.adminHeaders
            let answers = try await withThrowingTaskGroup(of: (String, HTTPResponse).self) { group in
                for (index, method) in ["POST", "DELETE", "POST", "DELETE"].enumerated() {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(20 * index))
                        let path = method == "POST" ? "/admin/dead-letters/replay?\(filter)" : "/admin/dead-letters?\(filter)"
                        return (method, try await client.send(method, path, headers: headers, timeout: 120))
                    }
                }
                var answers: [(String, HTTPResponse)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            var replayed = 0
            var deleted = 0
            for (method, response) in answers {
                if method == "POST" {
                    #expect(response.status == 202, "\(response)")
                    replayed += response.json?["replayed"]?.intValue ?? 0
                } else {
                    #expect(response.status == 200, "\(response)")
                    deleted += response.json?["deleted"]?.intValue ?? 0
                }
            }
            print("[figures] dead letters race: \(count) rows, replayed \(replayed), deleted \(deleted)")
            #expect(replayed + deleted == count, "every row was taken by exactly one request: \(replayed) replayed + \(deleted) deleted")
            #expect(replayed > 0, "the replays took part")

            // Each replayed message went through the work queue once and is parked again once.
            _ = try await waitUntil("\(replayed) replayed messages parked again", timeout: .seconds(120)) {
                let page = try await system.deadLetters(.payment, limit: 1)
                return page.total == replayed ? .done(()) : .notYet(seen: "\(page.total) parked")
            }
            // The forwarder counts a parking once the broker confirmed it, which may be after the keeper stored it.
            _ = try await waitUntil("payment-service counted \(replayed) parkings") {
                let parked = try await system.metric(.payment, "messages_parked_total") - parkedBefore
                return parked >= Double(replayed) ? .done(()) : .notYet(seen: "\(parked)")
            }
            try await Task.sleep(for: .seconds(2))
            let parkedAgain = try await system.metric(.payment, "messages_parked_total") - parkedBefore
            #expect(parkedAgain == Double(replayed), "no message was replayed twice: \(parkedAgain) parked again")
            #expect(try await system.deadLetters(.payment, filter: ["parkedBefore": "2026-06-01T00:00:00Z"]).total == 0, "no seeded row is left behind")
            var reparked: Set<String> = []
            var cursor: String?
            repeat {
                let page = try await system.deadLetters(.payment, limit: 500, cursor: cursor)
                reparked.formUnion(page.deadLetters.map(\.id))
                cursor = page.nextCursor
            } while cursor != nil
            #expect(reparked.count == replayed && reparked.isSubset(of: Set(letters.map(\.id))), "\(reparked.count) distinct messages parked again")
            #expect(try await system.metric(.payment, "dead_letters_parked") == Double(replayed))
        }
    }

    // MARK: A parking queue deleted under a running service

    @Test func aDeletedParkingQueueIsDeclaredAgainAndLaterDeadLettersAreKept() async throws {
        try await withSagaSystem { system in
            let publisher = try await RawPublisher.connect(to: system)
            let before = "malformed-\(UUID().uuidString.lowercased())"
            try await publisher.publish(exchange: "orders", routingKey: "order.placed", body: Data("not json".utf8), messageId: before)
            try await system.waitForDeadLetter(.payment, id: before)

            try await system.broker.deleteQueue("payment-service.dead-letters")
            _ = try await waitUntil("the keeper declared payment-service.dead-letters again", timeout: .seconds(30)) {
                try await queueExists("payment-service.dead-letters", on: system) ? .done(()) : .notYet(seen: "missing")
            }
            let after = "malformed-\(UUID().uuidString.lowercased())"
            try await publisher.publish(exchange: "orders", routingKey: "order.placed", body: Data("not json".utf8), messageId: after)
            await publisher.close()
            let kept = try await system.waitForDeadLetter(.payment, id: after, "kept after the queue was deleted")
            #expect(kept.reason == "malformed", "\(kept)")
            #expect(try await system.deadLetters(.payment).deadLetters.contains { $0.id == before }, "rows kept before are untouched")
            #expect(try await system.replayDeadLetter(.payment, id: after).status == 202)
            try await system.waitForDeadLetter(.payment, id: after, "parked again after the replay") { $0.parkedAt != kept.parkedAt }
        }
    }

    // MARK: Figures

    @Test func bulkReplayOfTenThousandAndListingWithTenAndAHundredThousandRowsAreMeasured() async throws {
        var configuration = SagaConfiguration()
        configuration.logLevel = "warning"
        try await withSagaSystem(configuration) { system in
            let seeder = try await DeadLetterSeeder.connect(to: system)
            try await seeder.park(Self.letters(0..<10, type: "OrderCancelled"), in: .payment)
            try await system.waitForParkedTotal(.payment, 10)
            let small = try await system.listLatencies(.payment)

            let clock = ContinuousClock()
            let seeding = clock.now
            try await seeder.park(Self.letters(10..<10_010, type: "OrderPlaced"), in: .payment)
            try await seeder.park(Self.letters(10_010..<100_000, type: "OrderConfirmed"), in: .payment)
            try await system.waitForParkedTotal(.payment, 100_000, timeout: .seconds(600))
            let seeded = clock.now - seeding
            let large = try await system.listLatencies(.payment)
            await seeder.close()

            let replayStart = clock.now
            let response = try await system.paymentService.client.send(
                "POST", "/admin/dead-letters/replay?eventType=OrderPlaced", headers: system.adminHeaders, timeout: 300)
            let replayTook = clock.now - replayStart
            #expect(response.status == 202 && response.json?["replayed"]?.intValue == 10_000, "\(response)")
            _ = try await waitUntil("the 10,000 replayed messages parked again", timeout: .seconds(300), interval: .milliseconds(200)) {
                let page = try await system.deadLetters(.payment, limit: 1, filter: ["eventType": "OrderPlaced", "reason": "malformed"])
                return page.total == 10_000 ? .done(()) : .notYet(seen: "\(page.total) parked again")
            }
            let roundTrip = clock.now - replayStart
            #expect(try await system.deadLetters(.payment, limit: 1).total == 100_000, "one row per message id")

            let figures = Figures("dead letters at scale")
            figures.record("100,000 parked messages seeded into the parking queue and kept in \(seeded.seconds)")
            for (name, latency) in small { figures.record("list with 10 rows, \(name): median \(latency.median.ms), max \(latency.max.ms)") }
            for (name, latency) in large { figures.record("list with 100,000 rows, \(name): median \(latency.median.ms), max \(latency.max.ms)") }
            figures.record("bulk replay of 10,000 by filter: answered in \(replayTook.seconds); all consumed and parked again after \(roundTrip.seconds)")
            figures.summary()
        }
    }
}

extension DeadLetterScaleTests {
    /// Parked messages `scale-<index>` of one event type, a tenth of a second apart from 2026-01-01.
    static func letters(_ range: Range<Int>, type: String) -> [SeededLetter] {
        range.map { index in
            SeededLetter(
                id: "scale-\(index)", type: type, reason: "max_attempts_exceeded", source: "order-service",
                parkedAt: Envelope.timestamp(Date(timeIntervalSince1970: 1_767_225_600 + Double(index) / 10)),
                body: #"{"not":"an envelope","index":\#(index)}"#)
        }
    }
}

// MARK: - Helpers

/// A message as the forwarder parks it, for seeding a parking queue directly.
struct SeededLetter: Sendable {
    var id: String
    var type: String
    var reason: String
    var source: String
    var parkedAt: String
    var body: String
}

/// Publishes messages straight into a service's parking queue, with the headers the forwarder
/// sets when it parks one, in confirmed batches.
final class DeadLetterSeeder: Sendable {
    private let connection: AMQPConnection

    private init(connection: AMQPConnection) { self.connection = connection }

    static func connect(to system: SagaSystem) async throws -> DeadLetterSeeder {
        var logger = Logger(label: "dead-letter-scale-tests")
        logger.logLevel = .warning
        let connection = try await AMQPConnection.connect(
            to: try AMQPURL(system.broker.amqpURL), name: "dead-letter seeder", confirmMode: true, logger: logger)
        return DeadLetterSeeder(connection: connection)
    }

    func park(_ letters: [SeededLetter], in service: ServiceName) async throws {
        let queue = "\(service.rawValue).dead-letters"
        var start = 0
        while start < letters.count {
            let batch = letters[start..<min(start + 1_000, letters.count)].map { letter in
                OutgoingMessage(exchange: "", routingKey: queue, body: Array(letter.body.utf8), properties: MessageProperties(
                    messageId: letter.id, correlationId: "order-\(letter.id)", type: letter.type, contentType: "application/json",
                    appId: letter.source, timestamp: Date(), headers: [
                        "schema-version": .int(1), "x-parked-reason": .string(letter.reason), "x-parked-at": .string(letter.parkedAt),
                        "x-attempts": .int(3), "x-exception": .string("seeded failure"),
                        "x-original-exchange": .string("orders"), "x-original-routing-key": .string("order.placed"),
                    ]))
            }
            try await connection.publish(batch)
            start += batch.count
        }
    }

    func close() async { await connection.close() }
}

/// Whether the queue exists, asked on a connection of its own (a missing queue ends it).
func queueExists(_ queue: String, on system: SagaSystem) async throws -> Bool {
    var logger = Logger(label: "dead-letter-scale-tests")
    logger.logLevel = .critical
    let connection = try await AMQPConnection.connect(to: try AMQPURL(system.broker.amqpURL), name: "queue probe", confirmMode: false, logger: logger)
    let exists: Bool
    do {
        _ = try await connection.queueMessageCount(queue: queue)
        exists = true
    } catch {
        guard case .channelClosedByServer(404, _) = error else {
            await connection.close()
            throw error
        }
        exists = false
    }
    await connection.close()
    return exists
}

struct Latency {
    var median: Duration
    var max: Duration
}

extension SagaSystem {
    /// Waits until the service's dead-letter table holds `total` rows.
    func waitForParkedTotal(_ service: ServiceName, _ total: Int, timeout: Duration = .seconds(60)) async throws {
        _ = try await waitUntil("\(service) has \(total) dead letters", timeout: timeout, interval: .milliseconds(200)) {
            let page = try await self.deadLetters(service, limit: 1)
            return page.total == total ? .done(()) : .notYet(seen: "\(page.total) parked")
        }
    }

    /// Latencies of 30 listings of 50 rows each: unfiltered first page, a filtered page, a page deep behind a cursor.
    func listLatencies(_ service: ServiceName) async throws -> [(String, Latency)] {
        let deep = try await deadLetters(service, limit: 500)
        let cases: [(String, String?, [String: String])] = [
            ("first page", nil, [:]),
            ("filtered by eventType", nil, ["eventType": "OrderCancelled"]),
            ("filtered by time range", nil, ["parkedAfter": "2026-01-01T00:00:00Z", "parkedBefore": "2026-01-01T00:10:00Z"]),
            ("page after a cursor", deep.nextCursor, [:]),
        ]
        var results: [(String, Latency)] = []
        let clock = ContinuousClock()
        for (name, cursor, filter) in cases {
            var samples: [Duration] = []
            for _ in 0..<30 {
                let start = clock.now
                _ = try await deadLetters(service, limit: 50, cursor: cursor, filter: filter)
                samples.append(clock.now - start)
            }
            samples.sort()
            results.append((name, Latency(median: samples[samples.count / 2], max: samples.last!)))
        }
        return results
    }
}

extension Duration {
    var ms: String {
        let (seconds, attoseconds) = components
        return String(format: "%.1f ms", (Double(seconds) + Double(attoseconds) / 1e18) * 1_000)
    }
}
