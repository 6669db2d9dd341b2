import Contracts
import EventSourcing
import Foundation
import Testing
import TestSupport

/// The payload schemas draw the lines the consumers draw (`ValidatedPayload`, from
/// `Shared/Contracts/Limits.swift` and the id rule): every field of every current fixture is
/// pushed onto and over its bounds, and the schema must accept exactly what the code accepts,
/// except where docs/EVENTS.md says the schema is stricter or cannot say the rule.
@Suite("Payload schemas keep the contract's bounds", .timeLimit(.minutes(10)))
struct SchemaBoundsTests {
    /// Where the schema and the consumers' checks differ on purpose (docs/EVENTS.md).
    enum Difference {
        /// The publisher guarantees more than a consumer checks: the schema refuses some values the code takes.
        case schemaStricter
        /// A rule across fields JSON Schema cannot state: the code refuses some values the schema takes.
        case codeStricter
    }

    static let differences: [String: Difference] = [
        "OrderPlaced.currency": .schemaStricter,
        "ProductRestocked.name": .schemaStricter,
        "ProductStockCorrected.reason": .schemaStricter,
        "ProductStockCorrected.quantity": .schemaStricter,
        "OrderPlaced.total": .codeStricter,
    ]

    static let integerProbes: [Int] = {
        let limits = [Limits.maxLineQuantity, Limits.maxUnitPrice, Limits.maxOrderTotal, Limits.maxDeposit,
                      Limits.maxBalance, Limits.maxRestock, Limits.maxStockLevel, Limits.maxOrderLines]
        return [-1, 0, 1, 2] + limits.flatMap { [$0, $0 + 1] } + [-Limits.maxStockLevel, -Limits.maxStockLevel - 1]
    }()

    static let stringProbes: [String] = [
        "", "a", String(repeating: "a", count: Identifier.maxBytes), String(repeating: "a", count: Identifier.maxBytes + 1),
        String(repeating: "é", count: Identifier.maxBytes / 2), "a\u{1}b", "a\u{85}b", "USD", "usd",
    ]

    @Test func everySchemaAcceptsExactlyThePayloadsAConsumerAccepts() async throws {
        var cases: [JSONValue] = []
        for type in CodeCatalog.payloadTypes {
            cases += try probeCases(type)
        }
        let report = try await CatalogValidator.validate(cases: cases)
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.checked == cases.count && !cases.isEmpty)
    }

    /// The current fixture of `type` with each field set to each probe, and whether the schema must take it.
    private func probeCases(_ type: any EventPayload.Type) throws -> [JSONValue] {
        let eventType = type.eventType
        let fixture = try Fixture.load(eventType, version: type.schemaVersion)
        let schema = "\(eventType).v\(type.schemaVersion).json"
        #expect(PayloadCoding.isAccepted(type, fixture.payload), "the fixture \(fixture.name) itself must be accepted")
        var cases: [JSONValue] = []
        for (path, leaf) in leaves(of: fixture.payload) {
            let field = "\(eventType).\(path.compactMap { if case .key(let key) = $0 { key } else { nil } }.joined(separator: "."))"
            for probe in probes(for: leaf) {
                var mutated = fixture.payload.updating(path) { _ in probe }
                if case .key("items")? = path.first { mutated = keepingTheTotal(eventType, mutated) }
                let accepted = PayloadCoding.isAccepted(type, mutated)
                switch Self.differences[field] {
                case .schemaStricter? where accepted: continue  // the schema may refuse what the code takes
                case .codeStricter? where !accepted: continue  // the code may refuse what the schema takes
                default: break
                }
                cases.append(.object([
                    "label": .string("\(field) = \(String(describing: probe).prefix(80)) (the code \(accepted ? "accepts" : "refuses") it)"),
                    "schema": .string(schema), "instance": mutated, "expect": .string(accepted ? "valid" : "invalid"),
                ]))
            }
        }
        return cases
    }

    /// The leaves of a payload: every scalar and every array, objects walked, arrays at their first element.
    private func leaves(of value: JSONValue, at path: [PathStep] = []) -> [(path: [PathStep], value: JSONValue)] {
        switch value {
        case .object(let fields):
            fields.sorted { $0.key < $1.key }.flatMap { leaves(of: $0.value, at: path + [.key($0.key)]) }
        case .array(let elements):
            [(path, value)] + (elements.first.map { leaves(of: $0, at: path + [.index(0)]) } ?? [])
        default:
            [(path, value)]
        }
    }

    private func probes(for leaf: JSONValue) -> [JSONValue] {
        switch leaf {
        case .int: Self.integerProbes.map(JSONValue.int) + [.string("1"), .double(1.5), .null]
        case .string: Self.stringProbes.map(JSONValue.string) + [.int(7), .null]
        case .array(let elements):
            [.array([]), .array(Array(repeating: elements.first ?? .null, count: Limits.maxOrderLines + 1)), .string("x")]
                + (elements.first.map { [.array(Array(repeating: $0, count: Limits.maxOrderLines))] } ?? [])
        default: [.null]
        }
    }

    /// An `OrderPlaced` whose lines changed, with its total made their sum again (when they are
    /// numbers), so that the bounds of the lines are what is compared, not the sum rule.
    private func keepingTheTotal(_ eventType: String, _ payload: JSONValue) -> JSONValue {
        guard eventType == "OrderPlaced", let items = payload["items"]?.arrayValue else { return payload }
        var sum = 0
        for item in items {
            guard let quantity = item["quantity"]?.intValue, let price = item["unitPrice"]?.intValue else { return payload }
            let (product, overflow) = quantity.multipliedReportingOverflow(by: price)
            guard !overflow else { return payload }
            sum += product
        }
        return payload.setting("total", to: .int(sum))
    }
}
