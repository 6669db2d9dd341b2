import EventStore
import Hummingbird
import Tracing

/// Hands the span of the request (opened by Hummingbird's `TracingMiddleware`, which runs
/// before it) to the event store: the events the request appends keep its `traceparent` in the
/// outbox, so the relay publishes them as children of the request's span.
public struct TraceContextMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let current = ServiceContext.current,
              let traceParent = MessageTracing.traceParent(of: current, tracer: InstrumentationSystem.instrument)
        else { return try await next(request, context) }
        return try await EventTraceContext.$current.withValue(traceParent) { try await next(request, context) }
    }
}
