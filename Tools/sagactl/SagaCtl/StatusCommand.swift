import ArgumentParser
import Foundation
import SagaCtlKit

/// `sagactl status`: readiness, parked messages and outbox per service, and the projection's lag per source.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each service's readiness, queue depth, parked messages and outbox, and the projection's lag per source.",
        discussion: """
            Reads GET /ready and GET /metrics of every service (consumer_lag_messages, dead_letters_parked, \
            outbox_pending, outbox_oldest_pending_age_seconds, outbox_set_aside) and GET /stats of \
            projection-service. Exits 4 when a service is unreachable, after printing what it could read.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = connection.client
        var services: [String: JSONValue] = [:]
        var unreachable: [String] = []
        for service in Service.allCases {
            do {
                let ready = try await client.raw("GET", service, "/ready")
                let metrics = try await client.raw("GET", service, "/metrics").body.stringValue ?? ""
                func metric(_ name: String) -> JSONValue {
                    PrometheusText.sum(of: name, in: metrics).map { .number($0) } ?? .null
                }
                services[service.rawValue] = .object([
                    "reachable": .bool(true), "ready": .bool(ready.status == 200),
                    "queueDepth": metric("consumer_lag_messages"), "parked": metric("dead_letters_parked"),
                    "outboxPending": metric("outbox_pending"), "outboxOldestAgeSeconds": metric("outbox_oldest_pending_age_seconds"),
                    "outboxSetAside": metric("outbox_set_aside"),
                ])
            } catch let failure as SagaCtlError where failure.status == .unreachable {
                unreachable.append(service.rawValue)
                services[service.rawValue] = .object([
                    "reachable": .bool(false), "ready": .bool(false), "queueDepth": .null, "parked": .null,
                    "outboxPending": .null, "outboxOldestAgeSeconds": .null, "outboxSetAside": .null,
                ])
            }
        }
        var stats = JSONValue.null
        if !unreachable.contains(Service.projection.rawValue) {
            stats = try await client.send("GET", .projection, "/stats").body
        }
        var sources: [String: JSONValue] = [:]
        for (name, progress) in stats["sources"]?.objectValue ?? [:] {
            sources[name] = .object([
                "position": progress["position"] ?? .null, "head": progress["headPosition"] ?? .null,
                "lag": stats["lag"]?[name] ?? .null, "lastEventAt": progress["lastEventAt"] ?? .null,
            ])
        }
        let result = JSONValue.object(["services": .object(services), "orders": stats["orders"] ?? .null, "sources": .object(sources)])
        try connection.emit(result) {
            let serviceRows = Service.allCases.map { service -> [String] in
                let entry = services[service.rawValue]
                let state = entry?["reachable"] == .bool(false) ? "unreachable" : (entry?["ready"] == .bool(true) ? "ready" : "not ready")
                return [service.rawValue, state] + ["queueDepth", "parked", "outboxPending", "outboxOldestAgeSeconds", "outboxSetAside"]
                    .map { entry?[$0].cell ?? "-" }
            }
            let sourceRows = sources.keys.sorted().map { name in
                [name, sources[name]?["position"].cell ?? "-", sources[name]?["head"].cell ?? "-", sources[name]?["lag"].cell ?? "-"]
            }
            let orders = ["PENDING", "CONFIRMED", "CANCELLED"].map { "\($0) \(stats["orders"]?[$0].cell ?? "-")" }.joined(separator: "  ")
            return Table(headers: ["SERVICE", "STATE", "QUEUE", "PARKED", "OUTBOX", "OLDEST (S)", "SET ASIDE"], rows: serviceRows).render()
                + "\n\norders: \(orders)\n\n"
                + Table(headers: ["SOURCE", "APPLIED", "HEAD", "LAG"], rows: sourceRows).render()
        }
        if !unreachable.isEmpty {
            FileHandle.standardError.write(Data("sagactl: error: unreachable: \(unreachable.joined(separator: ", ")) did not answer.\n".utf8))
            throw ExitCode(ExitStatus.unreachable.rawValue)
        }
    }
}
