import ArgumentParser
import Foundation
import SagaCtlKit

/// Where the services are, the admin token and the output format: on every command.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("order-url"), help: "order-service base URL (env SAGACTL_ORDER_URL, default http://localhost:8081).")
    var orderURL: String?
    @Option(name: .customLong("payment-url"), help: "payment-service base URL (env SAGACTL_PAYMENT_URL, default http://localhost:8082).")
    var paymentURL: String?
    @Option(name: .customLong("inventory-url"), help: "inventory-service base URL (env SAGACTL_INVENTORY_URL, default http://localhost:8083).")
    var inventoryURL: String?
    @Option(name: .customLong("projection-url"), help: "projection-service base URL (env SAGACTL_PROJECTION_URL, default http://localhost:8084).")
    var projectionURL: String?
    @Option(name: .customLong("admin-token"), help: "Bearer token for /admin routes (env ADMIN_TOKEN).")
    var adminToken: String?
    @Flag(help: "Print JSON for scripts instead of tables (shapes in docs/CLI.md).")
    var json = false

    var client: APIClient {
        APIClient(endpoints: Endpoints(
            flags: [.order: orderURL, .payment: paymentURL, .inventory: inventoryURL, .projection: projectionURL],
            adminToken: adminToken, environment: ProcessInfo.processInfo.environment))
    }

    /// Prints `value` as JSON with `--json`, else the human text.
    func emit(_ value: JSONValue, human: () -> String) throws {
        if json {
            print(try JSONValue.render(value))
        } else {
            let text = human()
            if !text.isEmpty { print(text) }
        }
    }
}

/// The dead-letter filters, shared by list, replay and delete.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only messages of this event type (e.g. PaymentAuthorized).")
    var eventType: String?
    @Option(help: "Only messages parked for this reason (e.g. max_attempts_exceeded).")
    var reason: String?
    @Option(help: "Only messages published by this service (the original's app_id).")
    var source: String?
    @Option(help: "Only messages parked at or after this RFC 3339 time.")
    var since: String?
    @Option(help: "Only messages parked before this RFC 3339 time.")
    var until: String?

    var filter: DeadLetterFilter {
        DeadLetterFilter(eventType: eventType, reason: reason, source: source, since: since, until: until)
    }
}

/// Which services' parked messages a dead-letter command addresses.
struct ServiceOptions: ParsableArguments {
    @Option(name: .customLong("service"), help: "order, payment, inventory or projection; repeat for several (default: all four).")
    var names: [String] = []

    func services() throws -> [Service] {
        guard !names.isEmpty else { return Service.allCases }
        return try names.map { name in
            guard let service = Service(name: name) else {
                throw SagaCtlError.invalidArgument("--service \(name) must be order, payment, inventory or projection.")
            }
            return service
        }
    }
}
