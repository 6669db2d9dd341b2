import Foundation
import Logging
import ServiceLifecycle

/// The last resort of a graceful shutdown: once it has begun, the process exits with status 0
/// after `limit`, whatever is still running.
///
/// Nothing committed is lost by that: outbox rows the broker did not confirm stay unpublished
/// and go out after the restart, unacknowledged deliveries go back to their queue. It exists for
/// a broker that stopped reading (flow control) or anything else that does not end in time;
/// in the normal case the process has exited long before.
struct ShutdownDeadline: Service {
    let limit: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let limit = limit
        let logger = logger
        let timer = Thread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
            logger.error("Shutdown did not finish in time; exiting", metadata: ["shutdown.limit": "\(limit)"])
            exit(0)
        }
        timer.name = "shutdown-deadline"
        timer.start()
    }
}
