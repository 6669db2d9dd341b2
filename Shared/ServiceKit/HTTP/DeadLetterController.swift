import Hummingbird
import Messaging

/// `/admin/dead-letters`: list, replay and discard parked messages (behind ``AdminAuthMiddleware``).
public struct DeadLetterController<Context: RequestContext>: Sendable {
    let deadLetters: DeadLetterQueue

    public init(deadLetters: DeadLetterQueue) {
        self.deadLetters = deadLetters
    }

    struct Page: Codable, Sendable {
        var deadLetters: [ParkedMessage]
        var total: Int
        var offset: Int
        var limit: Int
    }

    public func register(on group: RouterGroup<Context>) {
        group.get("dead-letters") { request, _ in
            let offset = try request.integerQuery("offset", default: 0, in: 0...1_000_000)
            let limit = try request.integerQuery("limit", default: 50, in: 1...500)
            let (total, messages) = try await brokerCall { try await deadLetters.list(offset: offset, limit: limit) }
            return JSONResponse(.ok, Page(deadLetters: messages, total: total, offset: offset, limit: limit))
        }
        group.post("dead-letters/:id/replay") { _, context in
            let id = try context.parameters.id("id")
            guard try await brokerCall({ try await deadLetters.replay(id: id) }) else { throw APIError.notFound("No parked message \(id).") }
            return JSONResponse(.accepted, ["id": id, "status": "replayed"])
        }
        group.delete("dead-letters/:id") { _, context in
            let id = try context.parameters.id("id")
            guard try await brokerCall({ try await deadLetters.discard(id: id) }) else { throw APIError.notFound("No parked message \(id).") }
            return JSONResponse(.ok, ["id": id, "status": "discarded"])
        }
    }

    /// A broker that cannot be reached is a 503, not a 500.
    private func brokerCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AMQPError {
            throw APIError(.serviceUnavailable, code: "broker_unavailable", message: "The broker cannot be reached: \(error).")
        }
    }
}
