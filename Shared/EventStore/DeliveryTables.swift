import Contracts
import Foundation
import GRDB

/// The tables every service's store has for the delivery machinery, whatever else it holds:
/// the parked messages (``ParkedMessageStore``), the delivery-attempt journal and the store
/// probe's row.
public struct DeliveryTables: Sendable {
    let file: SQLiteStore

    /// The tables in `file`, which a store type created with ``createMissing(in:)`` or the event store's migrations.
    public init(file: SQLiteStore) {
        self.file = file
    }

    /// Whether the file can be written right now.
    public var health: StoreHealth { file.health }

    /// One small write (a row of `store_probe`), so that a store that became writable again is
    /// noticed without any traffic. Throws like ``SQLiteStore/write(_:)``.
    public func probe(at now: Date = Date()) async throws {
        try await file.write { db in
            try db.execute(
                sql: "INSERT INTO store_probe (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
                arguments: [Timestamp.format(now)])
        }
    }

    /// Counts one more attempt of `messageId` in the journal, in a transaction of its own.
    /// - Returns: the attempts journaled so far, this one included.
    public func journalAttempt(messageId: String, at now: Date = Date()) async throws -> Int {
        try await file.write { db in try Self.journalAttempt(messageId: messageId, at: now, db) }
    }

    /// Forgets the attempts of `messageId`: it was handled or parked.
    public func forgetAttempts(messageId: String) async throws {
        try await file.write { db in try Self.forgetAttempts(messageId: messageId, db) }
    }

    /// Forgets journal rows last touched before `cutoff` (messages that never came back).
    public func pruneAttempts(before cutoff: Date) async throws {
        try await file.write { db in try Self.pruneAttempts(before: cutoff, db) }
    }

    /// Creates whichever of the tables `db` does not have yet: for a store type's own migrations.
    public static func createMissing(in db: Database) throws {
        if try !db.tableExists("delivery_attempts") { try db.execute(sql: deliveryAttemptsSchema) }
        if try !db.tableExists("parked_messages") {
            try db.execute(sql: parkedMessagesSchema)
            try db.execute(sql: parkedMessageCountsSchema)
        }
        if try !db.tableExists("store_probe") { try db.execute(sql: storeProbeSchema) }
    }

    // MARK: The statements, shared with the event store's transactions and migrations

    static func journalAttempt(messageId: String, at now: Date, _ db: Database) throws -> Int {
        let time = Timestamp.format(now)
        return try Int.fetchOne(db.cachedStatement(sql: """
            INSERT INTO delivery_attempts (message_id, attempts, first_attempt_at, last_attempt_at) VALUES (?, 1, ?, ?)
            ON CONFLICT (message_id) DO UPDATE SET attempts = attempts + 1, last_attempt_at = excluded.last_attempt_at
            RETURNING attempts
            """), arguments: [messageId, time, time]) ?? 1
    }

    static func forgetAttempts(messageId: String, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM delivery_attempts WHERE message_id = ?").execute(arguments: [messageId])
    }

    static func pruneAttempts(before cutoff: Date, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM delivery_attempts WHERE last_attempt_at < ?", arguments: [Timestamp.format(cutoff)])
    }

    /// The table the probe writes to: one row, overwritten.
    static let probeMigration = Migration("storeProbe") { db in
        try db.execute(sql: storeProbeSchema)
    }

    static let storeProbeSchema = "CREATE TABLE store_probe (id INTEGER PRIMARY KEY, probed_at TEXT NOT NULL)"

    // delivery_attempts journals each redelivered message before it is handled, so that a
    // delivery that kills the process is still counted across restarts.
    static let deliveryAttemptsSchema = """
        CREATE TABLE delivery_attempts (
            message_id TEXT PRIMARY KEY,
            attempts INTEGER NOT NULL CHECK (attempts > 0),
            first_attempt_at TEXT NOT NULL,
            last_attempt_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """

    // The service's dead letters, moved whole out of `<service>.dead-letters` by the keeper.
    // One row per message id (a message parked again replaces its row); `sequence` orders
    // rows parked at the same instant and names a row in a cursor; `claim` marks a row a
    // replay is publishing, so no other replay or delete takes it meanwhile.
    static let parkedMessagesSchema = """
        CREATE TABLE parked_messages (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            event_type TEXT,
            reason TEXT,
            source TEXT,
            parked_at TEXT NOT NULL,
            correlation_id TEXT,
            original_exchange TEXT,
            original_routing_key TEXT,
            error TEXT,
            attempts INTEGER NOT NULL,
            delivery_exchange TEXT NOT NULL,
            delivery_routing_key TEXT NOT NULL,
            properties TEXT NOT NULL,
            body BLOB NOT NULL,
            claim TEXT
        );
        CREATE INDEX parked_messages_by_time ON parked_messages(parked_at, sequence);
        CREATE INDEX parked_messages_by_event_type ON parked_messages(event_type, parked_at, sequence);
        CREATE INDEX parked_messages_by_reason ON parked_messages(reason, parked_at, sequence);
        CREATE INDEX parked_messages_by_source ON parked_messages(source, parked_at, sequence);
        CREATE INDEX parked_messages_claimed ON parked_messages(claim) WHERE claim IS NOT NULL;
        """

    // Row counts, kept by triggers, so that a listing's total costs the same for 10 or
    // 100,000 rows: in all (`all`, '') and per event type, reason and source.
    static let parkedMessageCountsSchema = """
        CREATE TABLE parked_message_counts (
            dimension TEXT NOT NULL,
            value TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (dimension, value)
        ) WITHOUT ROWID;
        CREATE TRIGGER parked_messages_counted AFTER INSERT ON parked_messages BEGIN
            INSERT INTO parked_message_counts (dimension, value, count)
            SELECT dimension, value, 1 FROM (
                SELECT 'all' AS dimension, '' AS value
                UNION ALL SELECT 'event_type', NEW.event_type WHERE NEW.event_type IS NOT NULL
                UNION ALL SELECT 'reason', NEW.reason WHERE NEW.reason IS NOT NULL
                UNION ALL SELECT 'source', NEW.source WHERE NEW.source IS NOT NULL
            ) WHERE true
            ON CONFLICT (dimension, value) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER parked_messages_uncounted AFTER DELETE ON parked_messages BEGIN
            UPDATE parked_message_counts SET count = count - 1
            WHERE (dimension = 'all' AND value = '')
               OR (dimension = 'event_type' AND value = OLD.event_type)
               OR (dimension = 'reason' AND value = OLD.reason)
               OR (dimension = 'source' AND value = OLD.source);
        END;
        """
}
