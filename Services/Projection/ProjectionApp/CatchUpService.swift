import Contracts
import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the live read store caught up with the sources' feeds: at start, whenever woken (the
/// broker came back, a batch could not read a feed) and every `interval` in any case, so that no
/// event is missed whatever happened to the broker, the sources or this process.
struct CatchUpService: Service, CustomStringConvertible {
    let store: ReadStore
    let reader: FeedReader
    let wakeup: Wakeup
    let logger: Logger
    /// The longest wait between two rounds.
    var interval: Duration = .seconds(2)

    var description: String { "CatchUpService" }

    func run() async throws {
        var unreachable: Set<ServiceName> = []
        var stalled: [ServiceName: String] = [:]
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for source in ProjectionSources.all {
                do {
                    // A long catch-up stops at once on SIGTERM; it resumes from the store's position at the next start.
                    let result = try await cancelWhenGracefulShutdown { try await reader.catchUp(source, into: store, for: .catchUp) }
                    if result.applied > 0 {
                        logger.debug("Caught up from the feed", metadata: ["source": "\(source.rawValue)", "events.applied": "\(result.applied)"])
                    }
                    if unreachable.remove(source) != nil {
                        logger.info("Feed reachable again", metadata: ["source": "\(source.rawValue)"])
                    }
                    if let failure = result.failure {
                        if stalled[source] != failure.eventId {
                            logger.error("Cannot apply an event; its source stops before it until it can", metadata: [
                                "source": "\(source.rawValue)", "event.id": "\(failure.eventId)",
                                "source.position": "\(failure.position)", "error": "\(failure.error)",
                            ])
                        }
                        stalled[source] = failure.eventId
                    } else {
                        stalled[source] = nil
                    }
                } catch is CancellationError {
                    return
                } catch {
                    if unreachable.insert(source).inserted {
                        logger.warning("Cannot read a feed; will retry", metadata: ["source": "\(source.rawValue)", "error": "\(error)"])
                    }
                }
            }
            if let positions = try? await store.positions() { reader.lag.applied(positions) }
            await cancelWhenGracefulShutdown { await wakeup.wait(timeout: interval) }
        }
    }
}
