import Contracts
import Foundation
import Testing

@Suite struct PayloadValidationTests {
    /// A `PaymentAuthorized` body as a peer would publish it.
    private func body(items: [(String, Int)], orderId: String = "o-1", eventId: String = "e-1") -> Data {
        let lines = items.map { #"{"sku": "\#($0.0)", "quantity": \#($0.1)}"# }.joined(separator: ",")
        return Data("""
            {"eventId": "\(eventId)", "eventType": "PaymentAuthorized", "schemaVersion": 1, "aggregateType": "Payment",
             "aggregateId": "\(orderId)", "aggregateVersion": 1, "occurredAt": "2026-12-01T10:00:00.000Z",
             "correlationId": "\(orderId)", "payload": {"orderId": "\(orderId)", "customerId": "c-1", "amount": 100, "items": [\(lines)]}}
            """.utf8)
    }

    @Test func aValidPayloadDecodes() throws {
        let payment = try EventEnvelope(body: body(items: [("SKU-1", 2)])).payload(as: PaymentAuthorized.self)
        #expect(payment.items == [StockLine(sku: "SKU-1", quantity: 2)])
    }

    @Test func quantitiesThatWouldOverflowAreMalformedNotATrap() throws {
        let envelope = try EventEnvelope(body: body(items: [("SKU-1", Int.max), ("SKU-1", Int.max)]))
        #expect(throws: EnvelopeError.self) { try envelope.payload(as: PaymentAuthorized.self) }
    }

    @Test func aNonPositiveQuantityIsMalformed() throws {
        let envelope = try EventEnvelope(body: body(items: [("SKU-1", 0)]))
        #expect(throws: EnvelopeError.self) { try envelope.payload(as: PaymentAuthorized.self) }
    }

    @Test func anIdOfMoreThan128BytesIsMalformedInTheMetadataAndInThePayload() throws {
        let long = String(repeating: "é", count: 65)
        #expect(throws: EnvelopeError.self) { try EventEnvelope(body: body(items: [("SKU-1", 1)], orderId: long)) }
        let envelope = try EventEnvelope(body: body(items: [(long, 1)]))
        #expect(throws: EnvelopeError.self) { try envelope.payload(as: PaymentAuthorized.self) }
    }

    @Test func anEventAsItsSourceRecordedItIsTakenAsItIs() throws {
        // A fact from an event feed is applied as recorded, even one older rules allowed.
        let envelope = try EventEnvelope(recorded: body(items: [("SKU-1", 0)]))
        #expect(try envelope.payload(as: PaymentAuthorized.self).items.first?.quantity == 0)
    }

    @Test func anOrderWhoseTotalIsNotTheSumOfItsLinesIsMalformed() throws {
        let placed = OrderPlaced(
            orderId: "o-1", customerId: "c-1", currency: "USD", items: [OrderItem(sku: "S", quantity: 2, unitPrice: 5)],
            total: 11, placedAt: Date())
        #expect(throws: PayloadViolation.self) { try placed.validate() }
        var fixed = placed
        fixed.total = 10
        try fixed.validate()
    }
}
