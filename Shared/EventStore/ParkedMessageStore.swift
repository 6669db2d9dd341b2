import Contracts
import Foundation
import GRDB

/// One parked message as the store keeps it: what operators filter on, and everything needed to
/// publish it again exactly as it was received.
public struct ParkedMessageRecord: Sendable, Equatable {
    /// The message id; one row per id.
    public var messageId: String
    public var eventType: String?
    /// `malformed`, `max_attempts_exceeded`, or whatever the parking service wrote.
    public var reason: String?
    /// The service that published the original (its `app_id`).
    public var source: String?
    /// When it was parked, at millisecond precision.
    public var parkedAt: Date
    public var correlationId: String?
    public var originalExchange: String?
    public var originalRoutingKey: String?
    /// The last failure's text.
    public var error: String?
    public var attempts: Int
    /// Where the parked copy was delivered from (normally the default exchange and the parking queue).
    public var deliveryExchange: String
    public var deliveryRoutingKey: String
    /// The AMQP properties and headers, as JSON written by the broker layer.
    public var properties: String
    public var body: Data

    public init(
        messageId: String, eventType: String?, reason: String?, source: String?, parkedAt: Date, correlationId: String?,
        originalExchange: String?, originalRoutingKey: String?, error: String?, attempts: Int,
        deliveryExchange: String, deliveryRoutingKey: String, properties: String, body: Data
    ) {
        self.messageId = messageId
        self.eventType = eventType
        self.reason = reason
        self.source = source
        self.parkedAt = parkedAt
        self.correlationId = correlationId
        self.originalExchange = originalExchange
        self.originalRoutingKey = originalRoutingKey
        self.error = error
        self.attempts = attempts
        self.deliveryExchange = deliveryExchange
        self.deliveryRoutingKey = deliveryRoutingKey
        self.properties = properties
        self.body = body
    }
}

/// A stored parked message and its place in the table.
public struct StoredParkedMessage: Sendable {
    /// Increases with every row written; a message parked again gets a new one.
    public var sequence: Int64
    public var record: ParkedMessageRecord
}

/// Which parked messages an operation applies to; an empty filter means all of them.
public struct ParkedMessageFilter: Sendable, Equatable {
    public var eventType: String?
    public var reason: String?
    public var source: String?
    /// Parked at or after this time.
    public var parkedAfter: Date?
    /// Parked strictly before this time.
    public var parkedBefore: Date?

    public init(eventType: String? = nil, reason: String? = nil, source: String? = nil, parkedAfter: Date? = nil, parkedBefore: Date? = nil) {
        self.eventType = eventType
        self.reason = reason
        self.source = source
        self.parkedAfter = parkedAfter
        self.parkedBefore = parkedBefore
    }

    public var isEmpty: Bool { self == ParkedMessageFilter() }

    /// The counter of `parked_message_counts` that holds how many rows match, when there is one:
    /// no filter, or one of event type, reason and source alone.
    var counter: (dimension: String, value: String)? {
        guard parkedAfter == nil, parkedBefore == nil else { return nil }
        let given = [("event_type", eventType), ("reason", reason), ("source", source)].compactMap { name, value in value.map { (name, $0) } }
        switch given.count {
        case 0: return ("all", "")
        case 1: return (given[0].0, given[0].1)
        default: return nil
        }
    }

    /// The SQL condition (never empty: `1` for no filter) and its arguments.
    var condition: (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        for (column, value) in [("event_type", eventType), ("reason", reason), ("source", source)] {
            guard let value else { continue }
            clauses.append("\(column) = ?")
            arguments += [value]
        }
        if let parkedAfter {
            clauses.append("parked_at >= ?")
            arguments += [Timestamp.format(parkedAfter)]
        }
        if let parkedBefore {
            clauses.append("parked_at < ?")
            arguments += [Timestamp.format(parkedBefore)]
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }
}

/// Where a page of parked messages ends: the next page starts after this row.
public struct ParkedMessageCursor: Sendable, Equatable {
    var parkedAt: String
    var sequence: Int64

    /// The opaque text a client sends back (URL-safe base64).
    public var token: String {
        Data("\(sequence)|\(parkedAt)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token made by ``token``; `nil` when it is not one.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.count <= 200, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0, Timestamp.parse(String(parts[1])) != nil else { return nil }
        self.sequence = sequence
        parkedAt = String(parts[1])
    }

    init(parkedAt: String, sequence: Int64) {
        self.parkedAt = parkedAt
        self.sequence = sequence
    }
}

/// What a request for one parked message found.
public enum ParkedMessageLookup: Sendable {
    /// The row, now claimed (for a replay) or deleted (for a delete).
    case found(StoredParkedMessage)
    case notFound
    /// A replay in progress holds the row.
    case busy
}

/// The table of parked messages in a service's own store: the index operators list, filter,
/// replay and delete through, at a cost that depends on the page or the rows matched, not on
/// how many messages are parked.
///
/// Replays claim rows in a write transaction before publishing them and delete them only after;
/// a delete never takes a claimed row. As the store has one writer, two replays or a replay and
/// a delete can never both take the same row. A claim names the store value that made it: claims
/// of another (a process that died while replaying) count as free, so nothing stays held for good.
/// A message a dead process had published but not yet deleted may then be replayed again; the
/// consumers' inbox makes that second delivery a duplicate.
public struct ParkedMessageStore: Sendable {
    let file: SQLiteStore
    /// Prefixes every claim this store value makes.
    let instance: String

    /// The parked messages of `tables`.
    public init(_ tables: DeliveryTables) {
        file = tables.file
        instance = UUID().uuidString.lowercased()
    }

    /// The parked messages of `store`.
    public init(database store: some ServiceStore) {
        self.init(store.deliveryTables)
    }

    /// A fresh claim token of this store value.
    public func newClaim() -> String {
        "\(instance)/\(UUID().uuidString.lowercased())"
    }

    /// SQL: the row is not held by a live claim of this store value.
    private static let free = "(claim IS NULL OR claim NOT LIKE ?)"
    private var freeArgument: String { "\(instance)/%" }

    private static let columns = """
        sequence, message_id, event_type, reason, source, parked_at, correlation_id, original_exchange, original_routing_key,
        error, attempts, delivery_exchange, delivery_routing_key, properties, body
        """

    /// Stores `records` in one transaction, each replacing an earlier row of its message id
    /// (claimed or not: a message parked again is the latest word on it).
    /// - Returns: how many messages are parked now.
    @discardableResult
    public func park(_ records: [ParkedMessageRecord]) async throws -> Int {
        try await file.write { db in
            // A delete, then an insert (not INSERT OR REPLACE, whose implicit delete fires no trigger): the counts stay right.
            let replaced = try db.cachedStatement(sql: "DELETE FROM parked_messages WHERE message_id = ?")
            let statement = try db.cachedStatement(sql: """
                INSERT INTO parked_messages (message_id, event_type, reason, source, parked_at, correlation_id,
                    original_exchange, original_routing_key, error, attempts, delivery_exchange, delivery_routing_key, properties, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in records {
                try replaced.execute(arguments: [record.messageId])
                try statement.execute(arguments: [
                    record.messageId, record.eventType, record.reason, record.source, Timestamp.format(record.parkedAt),
                    record.correlationId, record.originalExchange, record.originalRoutingKey, record.error, record.attempts,
                    record.deliveryExchange, record.deliveryRoutingKey, record.properties, record.body,
                ])
            }
            return try Self.count(db)
        }
    }

    /// How many messages are parked.
    public func count() async throws -> Int {
        try await file.read { db in try Self.count(db) }
    }

    /// One page of the messages matching `filter`, oldest parked first, after `cursor`; how many
    /// match in all, and the cursor of the next page when there may be one.
    public func page(
        filter: ParkedMessageFilter, after cursor: ParkedMessageCursor?, limit: Int
    ) async throws -> (messages: [StoredParkedMessage], total: Int, next: ParkedMessageCursor?) {
        try await file.read { db in
            let (condition, arguments) = filter.condition
            let total: Int
            if let counter = filter.counter {
                total = try Self.count(db, counter)
            } else {
                total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM parked_messages WHERE \(condition)", arguments: arguments) ?? 0
            }
            var pageCondition = condition
            var pageArguments = arguments
            if let cursor {
                pageCondition += " AND (parked_at, sequence) > (?, ?)"
                pageArguments += [cursor.parkedAt, cursor.sequence]
            }
            pageArguments += [limit]
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM parked_messages WHERE \(pageCondition) ORDER BY parked_at, sequence LIMIT ?
                """, arguments: pageArguments)
            let messages = rows.map(Self.message(from:))
            let next = rows.count == limit ? rows.last.map { ParkedMessageCursor(parkedAt: $0["parked_at"], sequence: $0["sequence"]) } : nil
            return (messages, total, next)
        }
    }

    /// The highest sequence written so far (0 when none): a bulk operation stops there, so the
    /// messages a replay parks again are not replayed again by the same request.
    public func lastSequence() async throws -> Int64 {
        try await file.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM parked_messages") ?? 0
        }
    }

    /// Claims the message with this id for a replay under `claim`.
    public func claim(id: String, claim: String) async throws -> ParkedMessageLookup {
        let free = freeArgument
        return try await file.write { db in
            try db.execute(sql: "UPDATE parked_messages SET claim = ? WHERE message_id = ? AND \(Self.free)", arguments: [claim, id, free])
            if db.changesCount == 0 {
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM parked_messages WHERE message_id = ?", arguments: [id]) ?? false
                return exists ? .busy : .notFound
            }
            return try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM parked_messages WHERE message_id = ?", arguments: [id])
                .map { .found(Self.message(from: $0)) } ?? .notFound
        }
    }

    /// Claims under `claim` up to `limit` unclaimed messages matching `filter` with a sequence up
    /// to `lastSequence`, oldest parked first, and returns them.
    public func claim(filter: ParkedMessageFilter, upTo lastSequence: Int64, limit: Int, claim: String) async throws -> [StoredParkedMessage] {
        let free = freeArgument
        return try await file.write { db in
            let (condition, arguments) = filter.condition
            let claimArguments: StatementArguments = [claim, free, lastSequence]
            let limitArgument: StatementArguments = [limit]
            try db.execute(sql: """
                UPDATE parked_messages SET claim = ? WHERE sequence IN (
                    SELECT sequence FROM parked_messages WHERE \(Self.free) AND sequence <= ? AND \(condition)
                    ORDER BY parked_at, sequence LIMIT ?)
                """, arguments: claimArguments + arguments + limitArgument)
            return try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM parked_messages WHERE claim = ? ORDER BY parked_at, sequence", arguments: [claim])
                .map(Self.message(from:))
        }
    }

    /// Deletes the rows still held by `claim` (their messages were published); a row replaced by
    /// the message parked again meanwhile is not held any more and stays.
    /// - Returns: how many messages are parked now.
    public func finishReplay(claim: String) async throws -> Int {
        try await file.write { db in
            try db.execute(sql: "DELETE FROM parked_messages WHERE claim = ?", arguments: [claim])
            return try Self.count(db)
        }
    }

    /// Gives back the rows held by `claim` (their publish failed): they stay parked, untouched.
    public func release(claim: String) async throws {
        try await file.write { db in
            try db.execute(sql: "UPDATE parked_messages SET claim = NULL WHERE claim = ?", arguments: [claim])
        }
    }

    /// Deletes the message with this id unless a replay holds it.
    public func delete(id: String) async throws -> ParkedMessageLookup {
        let free = freeArgument
        return try await file.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(Self.columns), \(Self.free) AS free FROM parked_messages WHERE message_id = ?
                """, arguments: [free, id]) else {
                return .notFound
            }
            guard row["free"] as Bool else { return .busy }
            try db.execute(sql: "DELETE FROM parked_messages WHERE message_id = ?", arguments: [id])
            return .found(Self.message(from: row))
        }
    }

    /// Deletes every message matching `filter` that no replay holds.
    /// - Returns: how many rows were deleted and how many messages are parked now.
    public func delete(filter: ParkedMessageFilter) async throws -> (deleted: Int, parked: Int) {
        let free = freeArgument
        return try await file.write { db in
            let (condition, arguments) = filter.condition
            let freeArguments: StatementArguments = [free]
            try db.execute(sql: "DELETE FROM parked_messages WHERE \(Self.free) AND \(condition)", arguments: freeArguments + arguments)
            return (db.changesCount, try Self.count(db))
        }
    }

    private static func count(_ db: Database, _ counter: (dimension: String, value: String) = ("all", "")) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT count FROM parked_message_counts WHERE dimension = ? AND value = ?", arguments: [counter.dimension, counter.value]
        ) ?? 0
    }

    private static func message(from row: Row) -> StoredParkedMessage {
        let parkedAt: String = row["parked_at"]
        return StoredParkedMessage(sequence: row["sequence"], record: ParkedMessageRecord(
            messageId: row["message_id"], eventType: row["event_type"], reason: row["reason"], source: row["source"],
            parkedAt: Timestamp.parse(parkedAt) ?? Date(timeIntervalSince1970: 0), correlationId: row["correlation_id"],
            originalExchange: row["original_exchange"], originalRoutingKey: row["original_routing_key"], error: row["error"],
            attempts: row["attempts"], deliveryExchange: row["delivery_exchange"], deliveryRoutingKey: row["delivery_routing_key"],
            properties: row["properties"], body: row["body"]
        ))
    }
}
