import Contracts
import Delivery
import Foundation
import Messaging
import ServiceKit
import Testing
import TestSupport

extension BrokerTests {
    /// Header tables that are legal on the wire but that a `[String: AMQPFieldValue]` cannot hold
    /// as they came: the message is delivered without those entries and says so, and the consumer
    /// goes on with the next message on the same connection.
    @Suite("Header tables that do not decode whole")
    struct HeaderTableTests {
        static let oddHeaders: [String: AMQPFieldValue] = [
            "": .string("v"),
            "keep": .int(1),
            "nested": .table(["": .int(2), "k": .string("v")]),
            "list": .array([.int(1), .table(["": .bool(true), "ok": .bool(false)])]),
        ]

        @Test func aConsumedMessageWithEmptyHeaderNamesArrivesWithoutThemAndTheNextOneFollows() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            var odd = message(names, body: "odd", id: "m-odd")
            odd.properties.headers = Self.oddHeaders
            try await connection.publish(odd)
            try await connection.publish(message(names, body: "next", id: "m-next"))

            let batches = try await connection.consume(queue: names.queue, prefetch: 10)
            let deliveries = await collect(2, from: batches)
            try #require(deliveries.count == 2, "both messages arrive: \(deliveries.map(\.properties.messageId))")
            let first = deliveries[0]
            #expect(first.properties.messageId == "m-odd")
            #expect(String(decoding: first.body, as: UTF8.self) == "odd")
            #expect(first.properties.headers == [
                "keep": .int(1), "nested": .table(["k": .string("v")]), "list": .array([.int(1), .table(["ok": .bool(false)])]),
            ])
            let expected = [
                HeaderDefect(path: [], name: "", problem: .emptyName, value: .string("v")),
                HeaderDefect(path: ["nested"], name: "", problem: .emptyName, value: .int(2)),
                HeaderDefect(path: ["list", "[1]"], name: "", problem: .emptyName, value: .bool(true)),
            ]
            #expect(first.headerDefects.count == expected.count)
            for defect in expected { #expect(first.headerDefects.contains(defect), "\(defect) in \(first.headerDefects)") }
            #expect(Set(first.headerDefects.map(\.path)) == [[], ["nested"], ["list", "[1]"]])
            #expect(first.headerTableError?.hasPrefix("undecodable header table: ") == true, "\(first.headerTableError ?? "")")
            #expect(first.headerTableError?.contains(#"the header name "" is empty"#) == true, "\(first.headerTableError ?? "")")
            let second = deliveries[1]
            #expect(second.properties.messageId == "m-next" && second.headerDefects.isEmpty && second.headerTableError == nil)
            for delivery in deliveries { connection.ack(delivery.deliveryTag) }
            #expect(connection.isOpen, "the connection survived the odd message")
            #expect(try await connection.queueMessageCount(queue: names.queue) == 0)
            await connection.close()
        }

        /// 20,000 levels of arrays fit in a frame and the broker takes them (a raw frame: no client
        /// library writes that). The delivery arrives without that header, saying so, within the
        /// nesting every later reader can afford; the connection reads on.
        @Test func aHeaderNestedTwentyThousandLevelsDeepArrivesWithoutItAndTheNextMessageFollows() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let within = (0..<32).reduce(AMQPFieldValue.int(7)) { inner, _ in .array([inner]) }
            var next = message(names, body: "next", id: "m-after-deep")
            next.properties.headers = ["within": within]

            let entries = RawAMQPPublisher.stringEntry(name: "keep", value: "v")
                + RawAMQPPublisher.deeplyNestedEntry(name: "deep", levels: 20_000)
            let properties = RawAMQPPublisher.properties(contentType: "text/plain", headerEntries: entries, messageId: "m-deep", type: "Odd")
            let raw = try RawAMQPPublisher(port: try BrokerTrait.node.amqpPort)
            let outcome = try raw.publish(exchange: "", routingKey: names.queue, propertyFlags: properties.flags, properties: properties.bytes, body: Array("deep".utf8))
            #expect(outcome == .confirmed, "the broker takes it: \(outcome)")
            try await connection.publish(next)

            let batches = try await connection.consume(queue: names.queue, prefetch: 10)
            let deliveries = await collect(2, from: batches)
            try #require(deliveries.count == 2, "both arrive: \(deliveries.map(\.properties.messageId))")
            #expect(deliveries[0].properties.messageId == "m-deep")
            #expect(deliveries[0].properties.headers == ["keep": .string("v")])
            #expect(deliveries[0].headerDefects == [HeaderDefect(path: [], name: "deep", problem: .nestedTooDeep, value: nil)])
            #expect(deliveries[0].headerTableError?.contains("nested more than 32 levels deep") == true)
            #expect(deliveries[1].properties.headers == ["within": within], "32 levels are read whole")
            #expect(deliveries[1].headerDefects.isEmpty)
            for delivery in deliveries { connection.ack(delivery.deliveryTag) }
            #expect(connection.isOpen, "the connection survived")
            await connection.close()
        }

        @Test func aFetchedMessageWithAnEmptyHeaderNameArrivesWithoutIt() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            var odd = message(names, body: "odd", id: "m-get")
            odd.properties.headers = ["": .string("v"), "keep": .int(1)]
            try await connection.publish(odd)
            let delivery = try #require(try await connection.get(queue: names.queue))
            #expect(delivery.properties.headers == ["keep": .int(1)])
            #expect(delivery.headerDefects == [HeaderDefect(path: [], name: "", problem: .emptyName, value: .string("v"))])
            connection.ack(delivery.deliveryTag)
            #expect(try await connection.get(queue: names.queue) == nil, "the connection still answers")
            await connection.close()
        }

        @Test func headerNamesOfOneTo255BytesArriveWhole() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            var long = message(names, body: "long", id: "m-long")
            long.properties.headers = Dictionary(uniqueKeysWithValues: [1, 127, 128, 129, 200, 255].map {
                (String(repeating: "h", count: $0), AMQPFieldValue.int(Int64($0)))
            })
            long.properties.headers["nested"] = .table([String(repeating: "n", count: 255): .string("deep")])
            try await connection.publish(long)
            let delivery = try #require(try await connection.get(queue: names.queue))
            #expect(delivery.properties.headers == long.properties.headers)
            #expect(delivery.headerDefects.isEmpty)
            connection.ack(delivery.deliveryTag)
            await connection.close()
        }

        @Test func theParkedCopyOfSuchAMessageDecodesWholeAndRecordsTheLeftOutEntries() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            var odd = message(names, body: "not json", id: "m-park")
            odd.properties.headers = Self.oddHeaders
            try await connection.publish(odd)
            let delivery = try #require(try await connection.get(queue: names.queue))
            let reason = try #require(delivery.headerTableError)

            // The copy the retry/park forwarder sends, here to the test's own queue.
            let policy = RetryPolicy(service: .payment, delays: [100], maxAttempts: 3)
            var parked = policy.followUp(for: delivery, attempt: 1, reason: reason, malformed: true)
            #expect(parked.routingKey == ServiceName.payment.deadLetterQueue)
            parked.routingKey = names.queue
            try await connection.publish(parked)
            connection.ack(delivery.deliveryTag)

            let copy = try #require(try await connection.get(queue: names.queue))
            #expect(copy.headerDefects.isEmpty, "the parked copy decodes whole: \(copy.headerDefects)")
            #expect(copy.properties.headers["x-parked-reason"] == .string("malformed"))
            #expect(copy.properties.headers["x-exception"] == .string(reason))
            #expect(copy.properties.headers["keep"] == .int(1))
            guard case .array(let records) = copy.properties.headers[DeliveryHeader.undecodableHeaders] else {
                Issue.record("no \(DeliveryHeader.undecodableHeaders) header: \(copy.properties.headers)")
                return
            }
            #expect(records.count == 3)
            #expect(records.contains(.table(["name": .string(""), "path": .array([]), "problem": .string("empty_name"), "value": .string("v")])))
            #expect(records.contains(.table([
                "name": .string(""), "path": .array([.string("nested")]), "problem": .string("empty_name"), "value": .int(2),
            ])))
            connection.ack(copy.deliveryTag)
            await connection.close()
        }
    }
}
