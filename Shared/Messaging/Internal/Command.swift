import Synchronization

/// Resumed by the connection thread with the outcome of a command, or earlier by the caller's
/// cancellation (``cancel()``); whichever comes first wins, the other is ignored.
final class Reply<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<Value, AMQPError>, Never>?>

    init(_ continuation: CheckedContinuation<Result<Value, AMQPError>, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(returning result: Result<Value, AMQPError>) {
        continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }?.resume(returning: result)
    }

    /// Ends the caller's wait with `.cancelled`; the command itself may still be carried out.
    func cancel() {
        resume(returning: .failure(.cancelled))
    }
}

/// Where a waiting caller keeps its reply, so that its cancellation handler can reach it.
final class ReplySlot<Value: Sendable>: Sendable {
    private let stored = Mutex<Reply<Value>?>(nil)

    var reply: Reply<Value>? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

/// Work handed from any task to the connection thread.
enum Command: Sendable {
    case publish([OutgoingMessage], Reply<[AMQPError?]>)
    case declare(Topology, Reply<Void>)
    case consume(queue: String, prefetch: UInt16, DeliveryBatches, Reply<Void>)
    case ack(deliveryTag: UInt64, multiple: Bool)
    case reject(deliveryTag: UInt64, requeue: Bool)
    case get(queue: String, Reply<Delivery?>)
    case purge(queue: String, Reply<UInt32>)
    case messageCount(queue: String, Reply<UInt32>)
    case close

    /// Resumes the command's caller with `error`; commands nobody awaits are dropped.
    func fail(_ error: AMQPError) {
        switch self {
        case .publish(_, let reply):
            reply.resume(returning: .failure(error))
        case .declare(_, let reply), .consume(_, _, _, let reply):
            reply.resume(returning: .failure(error))
        case .get(_, let reply):
            reply.resume(returning: .failure(error))
        case .purge(_, let reply), .messageCount(_, let reply):
            reply.resume(returning: .failure(error))
        case .ack, .reject, .close:
            break
        }
    }
}
