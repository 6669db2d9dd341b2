/// Resumed by the connection thread with the outcome of a command.
typealias Reply<Value: Sendable> = CheckedContinuation<Result<Value, AMQPError>, Never>

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
