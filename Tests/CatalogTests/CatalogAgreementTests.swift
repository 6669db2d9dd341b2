import Contracts
import EventSourcing
import EventStore
import Foundation
import Messaging
import Delivery
import ServiceKit
import Testing
import TestSupport

/// The catalog (docs/events) and the code agree: every event type and version the code knows has
/// a schema, a message in asyncapi.yaml and a fixture, nothing more, and each schema asks for
/// exactly the fields the code reads and writes.
@Suite("Event catalog agrees with the code", .timeLimit(.minutes(10)))
struct CatalogAgreementTests {
    @Test func theDocumentsAreValidAndNameEveryEventVersionRoutingKeyAndQueueOfTheCode() async throws {
        let report = try await CatalogValidator.checkDocuments(codeCatalog: CodeCatalog.json)
        #expect(report.failures.isEmpty, "\(report.summary)")
        // Meta-schemas, the AsyncAPI schema, each $ref, each message, each event version, each queue.
        #expect(report.checked > CodeCatalog.versions.count + ContractService.allCases.count)
    }

    @Test func everyEventTypeAndVersionOfTheCodeHasExactlyOneFixtureAndEveryFixtureAType() throws {
        let wanted = Set(CodeCatalog.versions.map { "\($0.type.eventType).v\($0.version)" })
        let present = Set(try Fixture.fileNames())
        #expect(wanted.subtracting(present).isEmpty, "missing fixtures: \(wanted.subtracting(present).sorted())")
        #expect(present.subtracting(wanted).isEmpty, "fixtures of no event type or version of the code: \(present.subtracting(wanted).sorted())")
        let types = CodeCatalog.payloadTypes.map { $0.eventType }
        #expect(Set(types).count == types.count, "an event type in two families: \(types)")
        for family in CodeCatalog.families {
            let strays = family.types.map { $0.aggregateType }.filter { $0 != family.aggregateType }
            #expect(strays.isEmpty, "the family of \(family.aggregateType) holds events of \(strays)")
        }
    }

    @Test func theEventTableOfTheseDocsNamesEveryEventTypeWithItsVersionsAndRoutingKey() throws {
        let url = CatalogValidator.packageRoot.appendingPathComponent("docs/EVENTS.md")
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("| `") }
        for type in CodeCatalog.payloadTypes {
            let row = rows.first { $0.hasPrefix("| `\(type.eventType)` |") }
            let cells = row?.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            let versions = (1...type.schemaVersion).map(String.init).joined(separator: ", ")
            let routingKey = "`\(RoutingKey.of(eventType: type.eventType, aggregateType: type.aggregateType))`"
            #expect(cells.count >= 4 && cells[1].hasPrefix(versions) && cells[2] == routingKey,
                    "docs/EVENTS.md: \(row.map(String.init) ?? "no row for \(type.eventType)"); expected versions \(versions), routing key \(routingKey)")
        }
    }

    /// A field added to a payload without a new schema version (required or not) fails here: the
    /// current fixture no longer decodes, or the code writes a field its schema does not have.
    @Test(arguments: CodeCatalog.payloadTypes.map { $0.eventType })
    func theCurrentSchemaRequiresAndAllowsExactlyTheFieldsTheCodeReadsAndWrites(_ eventType: String) throws {
        let type = try #require(CodeCatalog.payloadType(eventType))
        let fixture = try Fixture.load(eventType, version: type.schemaVersion)
        let schema = try PayloadSchema(eventType, version: type.schemaVersion)
        let written = try PayloadCoding.roundTrip(type, fixture.payload)
        for (path, objectSchema) in schema.objects(in: fixture.payload) {
            let place = path.isEmpty ? "the payload" : path.map(\.description).joined(separator: "")
            let allowed = objectSchema["properties"]?.keys ?? []
            let required = Set(objectSchema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let writtenKeys = written.at(path)?.keys ?? []
            #expect(writtenKeys == allowed, "\(schema.name): the code writes \(writtenKeys.sorted()) in \(place), the schema has \(allowed.sorted())")
            #expect(objectSchema["additionalProperties"] == .bool(false), "\(schema.name): \(place) must be closed")
            for key in fixture.payload.at(path)?.keys ?? [] {
                let without = fixture.payload.updating(path) { $0.removing(key) }
                let codeRequires = !PayloadCoding.decodes(type, without)
                #expect(codeRequires == required.contains(key),
                        "\(schema.name): the code \(codeRequires ? "requires" : "does not require") \(place).\(key), the schema \(required.contains(key) ? "does" : "does not")")
            }
        }
    }

    /// The relay's message for each event, and the retry and parked copies a consumer makes of it,
    /// have exactly the properties and headers asyncapi.yaml describes.
    @Test func whatTheRelayAndTheRetryPolicySendMatchesThePropertyAndHeaderSchemas() async throws {
        var cases: [JSONValue] = []
        let policy = RetryPolicy(service: .projection, delays: [200], maxAttempts: 3)
        for (index, fixture) in try Fixture.all().enumerated() {
            let event = try fixture.storedEvent(position: Int64(index + 1))
            let publisher = try #require(ContractService(owning: event.metadata.aggregateType))
            let exchange = try #require(publisher.exchange)
            let message = try OutgoingMessage(event: event, exchange: exchange, publisher: publisher)
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(message.body))
            cases.append(.object([
                "label": .string("\(fixture.name) as the relay publishes it"),
                "message": body,
                "headers": message.properties.headers.json,
                "properties": message.properties.json,
                "exchange": .string(message.exchange),
                "routingKey": .string(message.routingKey),
            ]))
            let delivery = Delivery(deliveryTag: 1, exchange: exchange, routingKey: message.routingKey, redelivered: false,
                                    body: Data(message.body), properties: message.properties)
            let retried = policy.followUp(for: delivery, attempt: 1, reason: "store busy", malformed: false)
            let parked = policy.followUp(for: delivery, attempt: 3, reason: "store busy", malformed: false)
            let malformed = policy.followUp(for: delivery, attempt: 1, reason: "not an envelope", malformed: true)
            var defective = delivery
            defective.headerDefects = [HeaderDefect(path: [], name: "", problem: .emptyName, value: .string("x"))]
            let undecodable = policy.followUp(for: defective, attempt: 1, reason: "undecodable header table", malformed: true)
            #expect(retried.routingKey == policy.delayQueue(milliseconds: 200) && parked.routingKey == policy.service.deadLetterQueue)
            for (label, copy, component) in [("retried", retried, "RetryHeaders"), ("parked", parked, "ParkedHeaders"), ("parked as malformed", malformed, "ParkedHeaders"),
                                               ("parked with an undecodable header", undecodable, "ParkedHeaders")] {
                cases.append(.object([
                    "label": .string("\(fixture.name) \(label)"), "component": .string(component), "instance": copy.properties.headers.json,
                ]))
            }
        }
        // Controls: the schemas are closed, so the checker must refuse what no publisher sends.
        let sample = try #require(cases.first)
        cases.append(sample.setting("label", to: .string("an unknown header")).setting("expect", to: .string("invalid"))
            .setting("headers", to: (sample["headers"] ?? .null).setting("x-unknown", to: .string("?"))))
        cases.append(sample.setting("label", to: .string("another content type")).setting("expect", to: .string("invalid"))
            .setting("properties", to: (sample["properties"] ?? .null).setting("content_type", to: .string("text/plain"))))
        cases.append(sample.setting("label", to: .string("a message id that is not the event id")).setting("expect", to: .string("invalid"))
            .setting("properties", to: (sample["properties"] ?? .null).setting("message_id", to: .string("00000000-0000-4000-8000-000000000000"))))
        cases.append(sample.setting("label", to: .string("a routing key of another event")).setting("expect", to: .string("invalid"))
            .setting("routingKey", to: .string("order.confirmed.v2")))

        let report = try await CatalogValidator.validate(cases: cases)
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.checked == cases.count)
    }
}

extension MessageProperties {
    /// The AMQP basic properties as asyncapi.yaml's `EventProperties` names them.
    var json: JSONValue {
        var fields: [String: JSONValue] = ["delivery_mode": .int(persistent ? 2 : 1)]
        if let messageId { fields["message_id"] = .string(messageId) }
        if let correlationId { fields["correlation_id"] = .string(correlationId) }
        if let type { fields["type"] = .string(type) }
        if let contentType { fields["content_type"] = .string(contentType) }
        if let appId { fields["app_id"] = .string(appId) }
        if let timestamp { fields["timestamp"] = .int(Int(timestamp.timeIntervalSince1970)) }
        return .object(fields)
    }
}

extension [String: AMQPFieldValue] {
    /// AMQP headers as JSON.
    var json: JSONValue { .object(mapValues(\.json)) }
}

extension AMQPFieldValue {
    var json: JSONValue {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int(Int(value))
        case .bool(let value): .bool(value)
        case .double(let value): .double(value)
        case .array(let values): .array(values.map(\.json))
        case .table(let fields): .object(fields.mapValues(\.json))
        }
    }
}
