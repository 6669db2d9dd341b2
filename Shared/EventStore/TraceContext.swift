/// The W3C trace context under which events are appended, kept with each outbox row so that the
/// relay publishes the event as a child of the work that decided it.
///
/// The store knows nothing of tracing: whoever traces binds ``current`` (a task-local) around the
/// work, and ``AppDatabase/write(_:)`` hands it to the transaction. `nil`, the default, stores
/// nothing.
public enum EventTraceContext {
    /// The `traceparent` header value of the span the current task works in, or `nil`.
    @TaskLocal public static var current: String?
}
