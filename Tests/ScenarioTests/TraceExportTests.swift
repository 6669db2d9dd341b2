import Foundation
import Testing
import TestSupport

/// Traces exported over OTLP/HTTP by the four real executables, received by a collector in the
/// test: one saga is one tree, from `POST /orders` across every broker hop to the projection.
@Suite("Trace export", .serialized, .timeLimit(.minutes(10)))
struct TraceExportTests {
    /// The hops of a confirmed saga: (service, span name, service and name of its parent).
    static let confirmedSagaHops: [(service: String, name: String, parent: (service: String, name: String))] = [
        ("order-service", "publish OrderPlaced", ("order-service", "/orders")),
        ("payment-service", "process OrderPlaced", ("order-service", "publish OrderPlaced")),
        ("projection-service", "process OrderPlaced", ("order-service", "publish OrderPlaced")),
        ("payment-service", "publish PaymentAuthorized", ("payment-service", "process OrderPlaced")),
        ("inventory-service", "process PaymentAuthorized", ("payment-service", "publish PaymentAuthorized")),
        ("projection-service", "process PaymentAuthorized", ("payment-service", "publish PaymentAuthorized")),
        ("inventory-service", "publish InventoryReserved", ("inventory-service", "process PaymentAuthorized")),
        ("order-service", "process InventoryReserved", ("inventory-service", "publish InventoryReserved")),
        ("projection-service", "process InventoryReserved", ("inventory-service", "publish InventoryReserved")),
        ("order-service", "publish OrderConfirmed", ("order-service", "process InventoryReserved")),
        ("projection-service", "process OrderConfirmed", ("order-service", "publish OrderConfirmed")),
    ]

    @Test func oneSagaIsOneTraceFromPostOrdersThroughEveryBrokerHopToTheProjection() async throws {
        let receiver = try await OTLPReceiver.start()
        var configuration = SagaConfiguration()
        for service in ServiceName.allCases {
            configuration.extraEnvironment[service] = [
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                // Export each span soon after it ends, so the test does not wait on the default 5 s.
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            ]
        }
        do {
            try await withSagaSystem(configuration) { system in
                try await system.deposit(customerId: "c-traced", amount: 10_000)
                try await system.restock(sku: "SKU-T", quantity: 10, name: "Traced")
                let orderId = try await system.placeOrder(
                    customerId: "c-traced", items: [OrderLine(sku: "SKU-T", quantity: 2, unitPrice: 1250)])
                let order = try await system.waitForFinalStatus(orderId)
                #expect(order.status == .confirmed, "\(order)")

                let saga = try await waitUntil("every hop of saga \(orderId) is exported", timeout: .seconds(60)) {
                    let saga = SagaSpans(orderId: orderId, spans: receiver.spans)
                    let missing = saga.missingHops(Self.confirmedSagaHops.map { ($0.service, $0.name) })
                    return missing.isEmpty ? .done(saga) : .notYet(seen: "missing \(missing); \(receiver.exportRequests) export requests")
                }
                print("Span tree of saga \(orderId):\n\(saga.tree())")

                let root = try #require(saga.root, "the POST /orders span")
                #expect(root.parentSpanId == nil, "POST /orders starts the trace: \(root)")
                #expect(root.attributes["http.request.method"] == "POST")
                #expect(root.attributes["http.response.header.x_request_id"].flatMap(UUID.init(uuidString:)) != nil,
                        "the request's span records its generated X-Request-Id: \(root.attributes)")
                #expect(Set(saga.spans.map(\.traceId)) == [root.traceId], "one trace id:\n\(saga.tree())")
                for span in saga.spans where span.spanId != root.spanId {
                    #expect(saga.parent(of: span) != nil, "the parent of \(span) was exported:\n\(saga.tree())")
                }
                for hop in Self.confirmedSagaHops {
                    for span in saga.spans(hop.service, hop.name) {
                        let parent = saga.parent(of: span)
                        #expect(parent?.service == hop.parent.service && parent?.name == hop.parent.name,
                                "\(span) is a child of \(hop.parent), got \(parent?.description ?? "none")")
                    }
                }
                // Whatever else was published or consumed for this order hangs off the right span too.
                for consumer in saga.spans where consumer.kind == 5 {
                    let published = saga.spans.first { $0.kind == 4 && $0.attributes["messaging.message.id"] == consumer.attributes["messaging.message.id"] }
                    #expect(published != nil && saga.parent(of: consumer)?.spanId == published?.spanId,
                            "\(consumer) is a child of the span that published its message")
                }
                for producer in saga.spans where producer.kind == 4 {
                    guard let cause = producer.attributes["saga.event.causation_id"] else { continue }
                    let parent = saga.parent(of: producer)
                    #expect(parent?.kind == 5 && parent?.service == producer.service && parent?.attributes["messaging.message.id"] == cause,
                            "\(producer) is a child of the span in which its service handled \(cause)")
                }
                await system.checkInvariants()
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }
}

/// The spans of one saga among everything exported: the events it published (their
/// conversation id is the order id), the consumptions of those events, and `POST /orders`.
struct SagaSpans: Sendable {
    let spans: [ReceivedSpan]
    let all: [String: ReceivedSpan]
    let root: ReceivedSpan?

    init(orderId: String, spans received: [ReceivedSpan]) {
        let published = received.filter { $0.kind == 4 && $0.attributes["messaging.message.conversation_id"] == orderId }
        let messageIds = Set(published.compactMap { $0.attributes["messaging.message.id"] })
        let consumed = received.filter { $0.kind == 5 && $0.attributes["messaging.message.id"].map(messageIds.contains) == true }
        let all = Dictionary(received.map { ($0.spanId, $0) }, uniquingKeysWith: { first, _ in first })
        let placed = published.first { $0.name == "publish OrderPlaced" }
        let root = placed.flatMap { $0.parentSpanId }.flatMap { all[$0] }
        self.all = all
        self.root = root
        spans = (root.map { [$0] } ?? []) + published + consumed
    }

    func spans(_ service: String, _ name: String) -> [ReceivedSpan] {
        spans.filter { $0.service == service && $0.name == name }
    }

    func parent(of span: ReceivedSpan) -> ReceivedSpan? {
        span.parentSpanId.flatMap { all[$0] }
    }

    /// The hops (service, name) that no exported span of the saga stands for yet.
    func missingHops(_ hops: [(String, String)]) -> [String] {
        var missing = hops.filter { spans($0.0, $0.1).isEmpty }.map { "\($0.0) \($0.1)" }
        if root == nil { missing.insert("order-service /orders", at: 0) }
        return missing
    }

    /// The saga as an indented tree, one span a line, children in the order they started.
    func tree() -> String {
        let members = Set(spans.map(\.spanId))
        var children: [String: [ReceivedSpan]] = [:]
        var tops: [ReceivedSpan] = []
        for span in spans {
            if let parent = span.parentSpanId, members.contains(parent) {
                children[parent, default: []].append(span)
            } else {
                tops.append(span)
            }
        }
        var lines: [String] = []
        func walk(_ span: ReceivedSpan, depth: Int) {
            let method = span.attributes["http.request.method"].map { "\($0) " } ?? ""
            let status = span.statusCode == 2 ? " ERROR" : ""
            lines.append(String(repeating: "  ", count: depth)
                + "\(method)\(span.name)  [\(span.service), \(span.kindName), span \(span.spanId), parent \(span.parentSpanId ?? "-")]\(status)")
            for child in children[span.spanId] ?? [] { walk(child, depth: depth + 1) }
        }
        for top in tops { walk(top, depth: 0) }
        return "trace \(spans.first?.traceId ?? "-")\n" + lines.joined(separator: "\n")
    }
}
