import ArgumentParser
import SagaCtlKit

/// `sagactl order …`: place, cancel and show orders.
struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Place, cancel and show orders.",
        subcommands: [PlaceOrder.self, CancelOrder.self, ShowOrder.self]
    )
}

/// `sagactl order place`: `POST /orders` on order-service.
struct PlaceOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "place",
        abstract: "Place an order (POST /orders); it starts PENDING.",
        discussion: "Example: sagactl order place --customer c-1 --item SKU-1:2:1250 --item SKU-2:1:990"
    )

    @Option(help: "The customer id.")
    var customer: String
    @Option(help: "A line as SKU:QUANTITY:UNIT_PRICE (minor units); repeat for several lines.")
    var item: [String] = []
    @Option(help: "Three upper-case letters.")
    var currency = "USD"
    @Option(help: "Makes a retry safe: the same key and body return the same order.")
    var idempotencyKey: String?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        guard !item.isEmpty else { throw SagaCtlError.invalidArgument("Give at least one --item SKU:QUANTITY:UNIT_PRICE.") }
        let lines = try item.map { try ItemSpec(parsing: $0) }
        let body = JSONValue.object([
            "customerId": .string(customer), "currency": .string(currency), "items": .array(lines.map(\.json)),
        ])
        let headers = idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:]
        let answer = try await connection.client.send("POST", .order, "/orders", body: body, headers: headers)
        try connection.emit(answer.body) {
            Table(headers: ["ORDER", "STATUS"], rows: [[answer.body["orderId"].cell, answer.body["status"].cell]]).render()
        }
    }
}

/// `sagactl order cancel ID`: `POST /orders/{id}/cancel` on order-service.
struct CancelOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel an order at any point of its saga, CONFIRMED included (reason customer_request)."
    )

    @Argument(help: "The order id.")
    var orderId: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let answer = try await connection.client.send("POST", .order, "/orders/\(PathSegment.encode(orderId))/cancel")
        try connection.emit(answer.body) { OrderText.summary(answer.body) }
    }
}

/// `sagactl order show ID`: the projection's order and its saga timeline.
struct ShowOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show an order from the projection, with its saga timeline across the services."
    )

    @Argument(help: "The order id.")
    var orderId: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = connection.client
        let path = "/orders/\(PathSegment.encode(orderId))"
        let order = try await client.send("GET", .projection, path).body
        let timeline = try await client.send("GET", .projection, path + "/timeline").body["events"]?.arrayValue ?? []
        try connection.emit(.object(["order": order, "timeline": .array(timeline)])) {
            OrderText.summary(order) + "\n\n" + OrderText.timeline(timeline)
        }
    }
}

/// How orders and timelines read on a terminal.
enum OrderText {
    static func summary(_ order: JSONValue) -> String {
        var rows: [[String]] = [
            ["order", order["orderId"].cell], ["customer", order["customerId"].cell],
            ["status", order["status"].cell], ["total", "\(order["total"].cell) \(order["currency"].cell)"],
        ]
        if let reason = order["cancellationReason"], reason != .null { rows.append(["reason", reason.cell]) }
        if let payment = order["payment"], payment != .null { rows.append(["payment", payment["status"].cell]) }
        if let inventory = order["inventory"], inventory != .null { rows.append(["inventory", inventory["status"].cell]) }
        rows.append(["updated", order["updatedAt"].cell])
        let lines = (order["items"]?.arrayValue ?? []).map { [$0["sku"].cell, $0["quantity"].cell, $0["unitPrice"].cell] }
        return Table(headers: ["FIELD", "VALUE"], rows: rows).render() + "\n\n"
            + Table(headers: ["SKU", "QUANTITY", "UNIT PRICE"], rows: lines).render()
    }

    /// One row per event, causes first; CAUSED BY names the causing event's type and row (`-` for a client command).
    static func timeline(_ events: [JSONValue]) -> String {
        var index: [String: Int] = [:]
        for (position, event) in events.enumerated() {
            if let id = event["eventId"]?.stringValue { index[id] = position + 1 }
        }
        let rows = events.enumerated().map { position, event -> [String] in
            var cause = "-"
            if let causation = event["causationId"]?.stringValue {
                if let row = index[causation] {
                    cause = "#\(row) \(events[row - 1]["eventType"].cell)"
                } else {
                    cause = causation
                }
            }
            return ["#\(position + 1)", event["occurredAt"].cell, event["service"].cell, event["eventType"].cell, event["eventId"].cell, cause]
        }
        return Table(headers: ["#", "TIME", "SERVICE", "EVENT", "EVENT ID", "CAUSED BY"], rows: rows).render()
    }
}
