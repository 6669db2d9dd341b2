/// One `publish` call awaiting its messages: resumed once every one of them is settled.
/// Confined to the connection thread.
final class PublishGroup {
    private var remaining: Int
    private var firstError: AMQPError?
    private let reply: Reply<Void>

    /// `count` must be positive.
    init(count: Int, reply: Reply<Void>) {
        remaining = count
        self.reply = reply
    }

    /// Settles one message: `nil` when it was confirmed (or sent, outside confirm mode).
    func settle(_ error: AMQPError?) {
        if firstError == nil { firstError = error }
        remaining -= 1
        guard remaining == 0 else { return }
        reply.resume(returning: firstError.map { .failure($0) } ?? .success(()))
    }
}
