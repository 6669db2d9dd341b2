import Contracts
import Foundation

extension SagaWorld {
    /// No more faults: every service is (re)started, every outbox published and marked, every
    /// message delivered and acked, every retry delay passed; then the saga deadlines pass once
    /// (as time would), and the same again until nothing moves; last, the projection reads every
    /// feed to its end.
    func drain() async throws {
        record("-- drain: no more faults --")
        var deadlinesPassed = false
        for round in 1... {
            guard round <= 500 else {
                unexpected.append("the drain did not settle in 500 rounds")
                return
            }
            for name in Self.participants where !service(name).isUp { try await perform(.restart(name)) }
            if !projection.isUp { try await perform(.restart(.projection)) }
            var moved = false
            for name in Self.participants {
                if !service(name).confirmedUnmarked.isEmpty { try await perform(.mark(name)) }
                while try await service(name).unpublishedCount() > 0 {
                    try await perform(.relay(name, limit: 100, markNow: true))
                    moved = true
                }
            }
            for name in Self.participants {
                while !broker[name].ready.isEmpty {
                    try await perform(.deliver(name, index: 0, count: min(8, broker[name].ready.count), crashBeforeCommit: false))
                    moved = true
                }
                if !service(name).handledUnacked.isEmpty { try await perform(.ack(name)) }
                while !broker[name].delayed.isEmpty {
                    try await perform(.releaseRetry(name, index: 0))
                    moved = true
                }
            }
            if !moved {
                guard !deadlinesPassed else { break }
                deadlinesPassed = true
                try await perform(.sagaDeadlinesPass)
            }
        }
        for source in Self.participants {
            while try await projection.catchUp(source, from: service(source).database!, limit: 1000) > 0 {}
            if try await !projection.isCaughtUp(source, with: service(source).database!) {
                unexpected.append("projection-service cannot apply \(source.rawValue)'s feed to its end")
            }
        }
        record("drained: \(broker.queues.values.reduce(0) { $0 + $1.parked.count }) message(s) parked")
    }
}
