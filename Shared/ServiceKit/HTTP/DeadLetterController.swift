import Contracts
import EventStore
import Foundation
import Hummingbird

/// `/admin/dead-letters` (behind ``AdminAuthMiddleware``): list with filters and a cursor,
/// replay and delete one message by id, or every message matching a filter.
///
/// Filters, as query parameters: `eventType`, `reason`, `source` (the `app_id` of the original),
/// `parkedAfter` (inclusive) and `parkedBefore` (exclusive), RFC 3339 times. A bulk replay or
/// delete without any filter needs `all=true`, so that a slip does not replay everything.
public struct DeadLetterController<Context: RequestContext>: Sendable {
    let deadLetters: DeadLetterQueue

    public init(deadLetters: DeadLetterQueue) {
        self.deadLetters = deadLetters
    }

    struct Page: Codable, Sendable {
        var deadLetters: [ParkedMessage]
        /// How many messages match the filter, on every page.
        var total: Int
        var limit: Int
        /// Pass as `cursor` for the next page; absent on the last one.
        var nextCursor: String?
    }

    public func register(on group: RouterGroup<Context>) {
        group.get("dead-letters") { request, _ in
            let filter = try request.parkedMessageFilter()
            let limit = try request.integerQuery("limit", default: 50, in: 1...500)
            var cursor: ParkedMessageCursor?
            if let token = request.query("cursor") {
                guard let parsed = ParkedMessageCursor(token: token) else {
                    throw APIError(.badRequest, code: "invalid_cursor", message: "cursor must be a nextCursor this endpoint returned.")
                }
                cursor = parsed
            }
            let page = try await deadLetters.list(filter: filter, after: cursor, limit: limit)
            let link = page.next.map { request.nextPageLink(["cursor": $0.token]) } ?? [:]
            return JSONResponse(.ok, Page(deadLetters: page.messages, total: page.total, limit: limit, nextCursor: page.next?.token), headers: link)
        }
        group.post("dead-letters/replay") { request, _ in
            let filter = try request.bulkFilter()
            let count = try await answering { try await deadLetters.replay(filter: filter) }
            return JSONResponse(.accepted, ["replayed": count])
        }
        group.delete("dead-letters") { request, _ in
            let filter = try request.bulkFilter()
            let count = try await deadLetters.delete(filter: filter)
            return JSONResponse(.ok, ["deleted": count])
        }
        group.post("dead-letters/:id/replay") { _, context in
            let id = try context.parameters.id("id")
            try await answering { try await deadLetters.replay(id: id) }
            return JSONResponse(.accepted, ["id": id, "status": "replayed"])
        }
        group.delete("dead-letters/:id") { _, context in
            let id = try context.parameters.id("id")
            try await answering { try await deadLetters.delete(id: id) }
            return JSONResponse(.ok, ["id": id, "status": "deleted"])
        }
    }

    /// ``DeadLetterError`` as the contract's errors: 404, 409, and 503 when the broker does not take a replay.
    @discardableResult
    private func answering<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DeadLetterError {
            switch error {
            case .notFound(let id):
                throw APIError.notFound("No parked message \(id).")
            case .busy(let id):
                throw APIError.conflict("replay_in_progress", "Parked message \(id) is being replayed by another request.")
            case .brokerUnavailable(let replayed, let reason):
                throw APIError(.serviceUnavailable, code: "broker_unavailable", message:
                    "The broker did not take the replayed messages (\(reason)); \(replayed) were replayed before, the rest stay parked.")
            }
        }
    }
}

extension Request {
    /// The dead-letter filter of the query parameters.
    /// - Throws: a 400 ``APIError`` naming a parameter that is empty, too long or not a time.
    func parkedMessageFilter() throws -> ParkedMessageFilter {
        func text(_ name: String) throws -> String? {
            guard let value = query(name) else { return nil }
            guard !value.isEmpty, value.utf8.count <= 255 else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "\(name) must be 1 to 255 bytes.")
            }
            return value
        }
        func time(_ name: String) throws -> Date? {
            guard let value = query(name) else { return nil }
            guard let date = Timestamp.parse(value) else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "\(name) must be an RFC 3339 time such as 2026-11-22T17:00:00Z.")
            }
            return date
        }
        return ParkedMessageFilter(
            eventType: try text("eventType"), reason: try text("reason"), source: try text("source"),
            parkedAfter: try time("parkedAfter"), parkedBefore: try time("parkedBefore")
        )
    }

    /// The filter of a bulk operation: at least one filter, or `all=true`.
    func bulkFilter() throws -> ParkedMessageFilter {
        let filter = try parkedMessageFilter()
        let all: Bool
        switch query("all") {
        case nil, "false": all = false
        case "true": all = true
        default: throw APIError(.badRequest, code: "invalid_parameter", message: "all must be true or false.")
        }
        guard all || !filter.isEmpty else {
            throw APIError(.badRequest, code: "filter_required", message:
                "Name a filter (eventType, reason, source, parkedAfter, parkedBefore) or pass all=true to take every parked message.")
        }
        return filter
    }
}
