import Foundation
import Synchronization

/// Hands commands to the connection thread: a mutex-protected queue plus a self-pipe whose read
/// end the thread polls next to the socket, so a new command wakes it at once.
final class Mailbox: Sendable {
    private struct State {
        var commands: [Command] = []
        var closedWith: AMQPError?
    }

    private let state = Mutex(State())
    /// Read end of the self-pipe, polled by the connection thread.
    let wakeFD: Int32
    private let wakeWriteFD: Int32

    /// Fails only when the process is out of file descriptors.
    init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = fds[0]
        wakeWriteFD = fds[1]
    }

    deinit {
        close(wakeFD)
        close(wakeWriteFD)
    }

    /// Queues `command` and wakes the thread. Returns the error to fail it with when the mailbox is closed.
    func post(_ command: Command) -> AMQPError? {
        let (closedWith, wasEmpty) = state.withLock { state -> (AMQPError?, Bool) in
            if let closedWith = state.closedWith { return (closedWith, false) }
            state.commands.append(command)
            return (nil, state.commands.count == 1)
        }
        if wasEmpty {
            // One byte per empty -> non-empty transition; a full pipe already means "wake up".
            var byte: UInt8 = 1
            _ = write(wakeWriteFD, &byte, 1)
        }
        return closedWith
    }

    /// Removes and returns everything queued so far.
    func takeAll() -> [Command] {
        state.withLock { state in
            defer { state.commands.removeAll(keepingCapacity: true) }
            return state.commands
        }
    }

    var hasWork: Bool { state.withLock { !$0.commands.isEmpty } }

    var isClosed: Bool { state.withLock { $0.closedWith != nil } }

    /// Empties the self-pipe after `poll` reported it readable.
    func drainWakeups() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeFD, &buffer, buffer.count) > 0 {}
    }

    /// Refuses further commands (they fail with `error`) and returns those still queued.
    func refuseNewCommands(with error: AMQPError) -> [Command] {
        state.withLock { state in
            if state.closedWith == nil { state.closedWith = error }
            defer { state.commands.removeAll() }
            return state.commands
        }
    }
}
