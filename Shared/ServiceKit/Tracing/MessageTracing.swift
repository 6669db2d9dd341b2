import Contracts
import EventStore
import Instrumentation
import Messaging
import Tracing

/// The spans of the broker hops: one when the relay publishes an event (a child of the span that
/// appended it, whose `traceparent` the outbox kept), and one when a consumer takes a message (a
/// child of that publish span, read from the message's `traceparent` header). The message carries
/// the publish span's context, so every hop of a saga lands in the trace of its `POST /orders`.
///
/// Exists only while tracing is configured: without it, the relay and the consumers create no
/// span at all and publish the `traceparent` derived from the order id as before.
public struct MessageTracing: Sendable {
    let tracer: any Tracer
    let service: ServiceName

    /// - Parameter tracer: the bootstrapped tracer (`InstrumentationSystem.tracer`).
    public init(tracer: any Tracer, service: ServiceName) {
        self.tracer = tracer
        self.service = service
    }

    /// Starts the producer span of publishing `event`, child of the span it was appended under.
    public func startPublishing(_ event: StoredEvent, exchange: String) -> any Span {
        var parent = ServiceContext.topLevel
        if let traceParent = event.traceParent {
            tracer.extract([TraceHeader.traceParent: traceParent], into: &parent, using: StringPairsCarrier())
        }
        let metadata = event.metadata
        let span = tracer.startSpan("publish \(metadata.eventType)", context: parent, ofKind: .producer)
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "rabbitmq"
            attributes["messaging.operation.type"] = "send"
            attributes["messaging.destination.name"] = exchange
            attributes["messaging.rabbitmq.destination.routing_key"] = metadata.routingKey
            attributes["messaging.message.id"] = metadata.eventId
            attributes["messaging.message.conversation_id"] = metadata.correlationId
            attributes["saga.event.type"] = metadata.eventType
            if let causationId = metadata.causationId { attributes["saga.event.causation_id"] = causationId }
            attributes["saga.event.position"] = Int(metadata.position ?? 0)
        }
        return span
    }

    /// Starts the consumer span of handling `delivery`, child of the span that published it.
    public func startConsuming(_ delivery: Delivery, queue: String) -> any Span {
        var parent = ServiceContext.topLevel
        tracer.extract(delivery.properties.headers, into: &parent, using: AMQPHeadersExtractor())
        // The type is the sender's word: a span name stays short whatever it sent.
        let eventType = delivery.properties.type.flatMap { $0.utf8.count <= 64 && !$0.isEmpty ? $0 : nil } ?? "message"
        let span = tracer.startSpan("process \(eventType)", context: parent, ofKind: .consumer)
        span.updateAttributes { attributes in
            attributes["messaging.system"] = "rabbitmq"
            attributes["messaging.operation.type"] = "process"
            attributes["messaging.destination.name"] = delivery.exchange
            attributes["messaging.rabbitmq.destination.routing_key"] = delivery.routingKey
            attributes["messaging.consumer.group.name"] = queue
            attributes["messaging.message.id"] = delivery.properties.messageId ?? ""
            attributes["saga.event.type"] = eventType
            if delivery.redelivered { attributes["messaging.rabbitmq.redelivered"] = true }
        }
        return span
    }

    /// Puts `span`'s context into `headers` as `traceparent` (and `tracestate`).
    public func inject(_ span: any Span, into headers: inout [String: AMQPFieldValue]) {
        tracer.inject(span.context, into: &headers, using: AMQPHeadersInjector())
    }

    /// `span`'s context as a `traceparent` value: what events appended under it keep in the outbox.
    public func traceParent(of span: any Span) -> String? {
        Self.traceParent(of: span.context, tracer: tracer)
    }

    /// The `traceparent` of the span in `context`, or `nil` when it has none.
    static func traceParent(of context: ServiceContext, tracer: any Instrument) -> String? {
        var carrier: [String: String] = [:]
        tracer.inject(context, into: &carrier, using: StringPairsCarrier())
        return carrier[TraceHeader.traceParent]
    }
}

extension Span {
    /// Ends the span, marked as an error with `reason` when there is one.
    public func end(failure reason: String?) {
        if let reason { setStatus(SpanStatus(code: .error, message: reason)) }
        end()
    }
}
