import Contracts
import Foundation
import GRDB

/// The attempt journal: how many deliveries of a message began without an outcome being recorded.
///
/// A consumer commits ``StoreTransaction/journalDeliveryAttempt(messageId:at:)`` before it handles
/// a redelivered message and forgets the row once the message is handled or parked. A row that
/// stays means the process ended while handling that message; its count survives the restart.
extension StoreTransaction {
    /// Counts one more attempt of `messageId`.
    /// - Returns: the attempts journaled so far, this one included.
    public func journalDeliveryAttempt(messageId: String, at now: Date = Date()) throws -> Int {
        try DeliveryTables.journalAttempt(messageId: messageId, at: now, db)
    }

    /// Forgets the attempts of `messageId`: it was handled or parked.
    public func forgetDeliveryAttempts(messageId: String) throws {
        try DeliveryTables.forgetAttempts(messageId: messageId, db)
    }

    /// Forgets journal rows last touched before `cutoff` (messages that never came back).
    public func pruneDeliveryAttempts(before cutoff: Date) throws {
        try DeliveryTables.pruneAttempts(before: cutoff, db)
    }
}

extension EventStoreReading {
    /// The attempts journaled for `messageId` (0 when none).
    public func deliveryAttempts(messageId: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT attempts FROM delivery_attempts WHERE message_id = ?", arguments: [messageId]) ?? 0
    }
}
