import EventSourcing
import EventStore
import Foundation
import Testing

/// Work that prefers a ``StoreThread`` runs on it, and its store calls run there in place; work
/// elsewhere goes through GRDB's queues as before; jobs that arrive after the thread ended still run.
@Suite struct StoreThreadTests {
    @Test func aStoreCallUnderThePreferenceRunsOnTheCallingStoreThread() async throws {
        try await withStoreAndThread { store, thread in
            let (outside, inside) = try await withTaskExecutorPreference(thread) {
                let before = StoreThread.isCurrent
                let inWrite = try await store.write { transaction -> Bool in
                    try transaction.append(
                        [CounterEvent.incremented(Incremented(by: 1))], to: Versioned(state: Counter.initial, version: 0),
                        id: "c-1", context: context)
                    return StoreThread.isCurrent
                }
                let inRead = try await store.read { _ in StoreThread.isCurrent }
                return (before, inWrite && inRead)
            }
            #expect(outside, "the task runs on the store thread")
            #expect(inside, "the transaction ran on that thread, not on GRDB's queue")
            #expect(!StoreThread.isCurrent)
            #expect(try await store.write { _ in StoreThread.isCurrent } == false, "elsewhere it goes through GRDB's queue")
            #expect(try await store.read { try $0.load(Counter.self, id: "c-1").version } == 1)
        }
    }

    @Test func writesFromTheStoreThreadAndFromOrdinaryTasksInterleaveWithoutLoss() async throws {
        try await withStoreAndThread { store, thread in
            let perSide = 100
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withTaskExecutorPreference(thread) {
                        for index in 0..<perSide { try await appendCounter(store, id: "thread-\(index)") }
                    }
                }
                for index in 0..<perSide {
                    group.addTask { try await appendCounter(store, id: "pool-\(index)") }
                }
                try await group.waitForAll()
            }
            let count = try await store.read { try $0.unpublishedCount() }
            #expect(count == 2 * perSide)
        }
    }

    @Test func aJobThatArrivesAfterTheLastUserLeftRunsOnTheGlobalExecutor() async throws {
        let thread = StoreThread(name: "test-store")
        thread.addUser()
        let gate = Gate()
        let ranOnStoreThread = Task {
            await withTaskExecutorPreference(thread) {
                let before = StoreThread.isCurrent
                await gate.wait()
                return (before, StoreThread.isCurrent)
            }
        }
        await gate.waitUntilWaiting()
        thread.removeUser()
        gate.open()
        let (before, after) = await ranOnStoreThread.value
        #expect(before)
        #expect(!after, "resumed on the global executor once the thread had ended")
    }
}

/// A store in a temporary file, and a store thread in use while `body` runs.
private func withStoreAndThread(_ body: (EventStoreDatabase, StoreThread) async throws -> Void) async throws {
    try await withTemporaryStore { path in
        let thread = StoreThread(name: "test-store")
        thread.addUser()
        defer { thread.removeUser() }
        try await body(try EventStoreDatabase(path: path), thread)
    }
}

private func appendCounter(_ store: EventStoreDatabase, id: String) async throws {
    try await store.write { transaction in
        try transaction.append(
            [CounterEvent.incremented(Incremented(by: 1))], to: Versioned(state: Counter.initial, version: 0), id: id,
            context: context)
    }
}

/// One waiter, opened once.
private final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var isOpen = false

    func wait() async {
        await withCheckedContinuation { continuation in
            lock.lock()
            if isOpen {
                lock.unlock()
                continuation.resume()
            } else {
                self.continuation = continuation
                lock.unlock()
            }
        }
    }

    func waitUntilWaiting() async {
        while lock.withLock({ continuation == nil }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func open() {
        lock.lock()
        isOpen = true
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume()
    }
}
