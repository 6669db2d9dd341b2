import EventStore
import ServiceLifecycle

/// Runs `service` with its tasks on `thread`, where its store calls run in place (``StoreThread``).
struct OnStoreThread: Service, CustomStringConvertible {
    let service: any Service
    let thread: StoreThread

    var description: String { "\(service)" }

    func run() async throws {
        thread.addUser()
        defer { thread.removeUser() }
        try await withTaskExecutorPreference(thread) { try await service.run() }
    }
}
