import Foundation
import Messaging
import Testing

@Suite("Checking a message before it goes on the wire")
struct MessageValidationTests {
    private let long = String(repeating: "é", count: 128)  // 256 bytes

    @Test(arguments: ["exchange", "routingKey", "messageId", "correlationId", "type", "contentType", "appId", "header", "nestedHeader"])
    func aShortStringLongerThan255BytesIsAnInvalidMessage(field: String) throws {
        var message = OutgoingMessage(exchange: "orders", routingKey: "order.placed", body: [], properties: MessageProperties(messageId: "m-1"))
        switch field {
        case "exchange": message.exchange = long
        case "routingKey": message.routingKey = long
        case "messageId": message.properties.messageId = long
        case "correlationId": message.properties.correlationId = long
        case "type": message.properties.type = long
        case "contentType": message.properties.contentType = long
        case "appId": message.properties.appId = long
        case "header": message.properties.headers[long] = .int(1)
        default: message.properties.headers["outer"] = .array([.table([long: .string("x")])])
        }
        #expect {
            try message.validate()
        } throws: { error in
            guard case AMQPError.invalidMessage(let reason) = error else { return false }
            return reason.contains("256 bytes")
        }
    }

    @Test func exactly255BytesAndLongHeaderValuesAreFine() throws {
        let limit = String(repeating: "a", count: 255)
        let message = OutgoingMessage(
            exchange: limit, routingKey: limit, body: [],
            properties: MessageProperties(
                messageId: limit, correlationId: limit, type: limit, contentType: limit, appId: limit,
                headers: [limit: .string(String(repeating: "v", count: 10_000))]))
        try message.validate()
    }
}

extension BrokerTests.PublishConsumeTests {
    @Test func anInvalidMessageFailsAloneAndTheConnectionStaysUp() async throws {
        let names = Names()
        let connection = try await connect()
        try await connection.declare(simpleTopology(names))
        var invalid = message(names, body: "too long", id: "bad")
        invalid.properties.correlationId = String(repeating: "x", count: 300)

        await #expect(throws: AMQPError.self) { try await connection.publish([message(names, body: "first"), invalid]) }
        #expect(connection.isOpen)
        #expect(try await connection.queueMessageCount(queue: names.queue) == 0, "a batch with an invalid message sends nothing")

        let outcomes = await connection.publishEach([message(names, body: "a", id: "a"), invalid, message(names, body: "b", id: "b")])
        #expect(outcomes[0] == nil && outcomes[2] == nil)
        guard case .invalidMessage? = outcomes[1] else {
            Issue.record("expected invalidMessage, got \(String(describing: outcomes[1]))")
            return
        }
        #expect(connection.isOpen)
        #expect(try await connection.queueMessageCount(queue: names.queue) == 2)
        await connection.close()
    }

    @Test func publishEachTellsWhichMandatoryMessagesFoundNoQueue() async throws {
        let names = Names()
        let connection = try await connect()
        try await connection.declare(simpleTopology(names))
        let routed = message(names, body: "routed", id: "routed", mandatory: true)
        let lost = OutgoingMessage(
            exchange: "", routingKey: "\(names.prefix).no-such-queue", body: Array("lost".utf8),
            properties: MessageProperties(messageId: "lost"), mandatory: true)
        let outcomes = await connection.publishEach([routed, lost, routed])
        #expect(outcomes[0] == nil && outcomes[2] == nil, "\(outcomes)")
        guard case .returned(let id, _, _)? = outcomes[1] else {
            Issue.record("expected returned, got \(outcomes)")
            return
        }
        #expect(id == "lost")
        #expect(connection.isOpen)
        await connection.close()
    }
}
