import EventStore
import Logging
import ServiceLifecycle

/// Closes the service's store when the service stops. It starts first, so it is the last
/// background service told to stop: everything that used the store has finished by then. A store
/// closed this way has its write-ahead log checkpointed and removed, whatever reference to it is
/// still held somewhere when the process exits.
struct StoreCloser: Service {
    let store: any ServiceStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try store.close()
        } catch {
            logger.warning("Could not close the store", metadata: ["error": "\(error)"])
        }
    }
}
