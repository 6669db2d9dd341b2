/// One `publish` call awaiting its messages: resumed, with each message's outcome in order, once
/// every one of them is settled. Confined to the connection thread.
final class PublishGroup {
    private var remaining: Int
    private var outcomes: [AMQPError?]
    private let reply: Reply<[AMQPError?]>

    /// `count` must be positive.
    init(count: Int, reply: Reply<[AMQPError?]>) {
        remaining = count
        outcomes = Array(repeating: nil, count: count)
        self.reply = reply
    }

    /// Settles the message at `index`: `nil` when it was confirmed (or sent, outside confirm mode).
    func settle(_ index: Int, _ error: AMQPError?) {
        outcomes[index] = error
        remaining -= 1
        guard remaining == 0 else { return }
        reply.resume(returning: .success(outcomes))
    }
}
