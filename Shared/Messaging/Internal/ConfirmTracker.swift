/// Publishes awaiting their broker confirm, by publish sequence number (the channel numbers its
/// publishes from 1 once in confirm mode). Confined to the connection thread.
struct ConfirmTracker {
    private struct Pending {
        let group: PublishGroup
        /// The message's place in its group.
        let index: Int
        let messageId: String?
        var returned: AMQPError?
    }

    private var pending: [UInt64: Pending] = [:]
    /// Mandatory messages in flight, by message id: a basic.return carries no sequence number.
    private var mandatory: [String: UInt64] = [:]
    private var nextSequence: UInt64 = 1
    private var oldestPending: UInt64 = 1

    var isEmpty: Bool { pending.isEmpty }

    /// Records the message just published, the `index`th of its group.
    mutating func register(_ message: OutgoingMessage, in group: PublishGroup, at index: Int) {
        let sequence = nextSequence
        nextSequence += 1
        pending[sequence] = Pending(group: group, index: index, messageId: message.properties.messageId)
        if message.mandatory, let id = message.properties.messageId { mandatory[id] = sequence }
    }

    /// Handles basic.ack (`acked`) or basic.nack for `tag`, or for everything up to it when `multiple`.
    mutating func settle(upTo tag: UInt64, multiple: Bool, acked: Bool) {
        let first = multiple ? oldestPending : tag
        guard first <= tag else { return }
        for sequence in first...tag {
            guard let entry = pending.removeValue(forKey: sequence) else { continue }
            if let id = entry.messageId, mandatory[id] == sequence { mandatory[id] = nil }
            entry.group.settle(entry.index, acked ? entry.returned : .publishNacked(messageId: entry.messageId))
        }
        while oldestPending < nextSequence, pending[oldestPending] == nil { oldestPending += 1 }
    }

    /// Marks a mandatory message as returned; its coming ack then fails the publish. False if unknown.
    mutating func markReturned(messageId: String?, error: AMQPError) -> Bool {
        guard let messageId, let sequence = mandatory[messageId], pending[sequence] != nil else { return false }
        pending[sequence]?.returned = error
        return true
    }

    /// Fails every pending publish with `error`.
    mutating func failAll(_ error: AMQPError) {
        for sequence in pending.keys.sorted() {
            if let entry = pending[sequence] { entry.group.settle(entry.index, error) }
        }
        pending.removeAll()
        mandatory.removeAll()
    }
}
