import Foundation

/// A task executor with one thread of its own, on which store reads and writes run in place.
///
/// A store call from an ordinary task hops twice: onto GRDB's queue and back onto the
/// concurrency pool, each hop a thread wake-up that costs more than a small transaction. Work
/// that runs under this executor's preference (`withTaskExecutorPreference`) calls the store
/// synchronously instead (``SQLiteStore`` checks ``isCurrent``): the thread may block on a commit,
/// since nothing else waits on it. The services' delivery loops (consumer and outbox relay) run
/// here; HTTP handlers do not, so a slow commit never holds up the event loop.
///
/// ``addUser()`` and ``removeUser()`` bracket each user; when the last one is done the thread ends,
/// and a job that still arrives afterwards runs on the global concurrent executor.
public final class StoreThread: TaskExecutor, @unchecked Sendable {
    // `pending`, `users`, `stopped` and `started` are guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [UnownedJob] = []
    private var users = 0
    private var stopped = false
    private let name: String
    private var started = false

    /// - Parameter name: the thread's name, as `top -H` and profilers show it.
    public init(name: String) {
        self.name = name
    }

    /// Whether the calling thread is a store thread: store calls made here may block.
    public static var isCurrent: Bool { pthread_getspecific(threadKey) != nil }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Counts one more user, starting the thread for the first.
    public func addUser() {
        condition.lock()
        defer { condition.unlock() }
        users += 1
        guard !started else { return }
        started = true
        Thread { [self] in serve() }.start()
    }

    /// Counts one user fewer; the last one ends the thread once its queued jobs ran.
    public func removeUser() {
        condition.lock()
        users -= 1
        if users == 0 { stopped = true }
        condition.unlock()
        condition.signal()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        guard !stopped else {
            condition.unlock()
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        pending.append(job)
        let wasIdle = pending.count == 1
        condition.unlock()
        if wasIdle { condition.signal() }
    }

    private func serve() {
        pthread_setspecific(Self.threadKey, UnsafeRawPointer(bitPattern: 1))
        nameThisThread()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while pending.isEmpty, !stopped { condition.wait() }
            if pending.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &pending)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Gives the thread the name `top -H` and profilers show (at most 15 bytes): Foundation's
    /// `Thread.name` does not reach the kernel on Linux.
    private func nameThisThread() {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
