import Messaging
import ServiceKit
import Tracing

/// The consumer spans of one batch, one per delivery, each a child of the span that published
/// its message (none when tracing is off). Each ends with its delivery's verdict.
struct DeliverySpans {
    private var open: [UInt64: any Span] = [:]

    init(_ batch: [Delivery], tracing: MessageTracing?, queue: String) {
        guard let tracing else { return }
        for delivery in batch { open[delivery.deliveryTag] = tracing.startConsuming(delivery, queue: queue) }
    }

    mutating func end(_ delivery: Delivery, failure: String?) {
        open.removeValue(forKey: delivery.deliveryTag)?.end(failure: failure)
    }

    mutating func end(_ delivery: Delivery, _ verdict: ClaimVerdict) {
        guard let span = open.removeValue(forKey: delivery.deliveryTag) else { return }
        switch verdict {
        case .applied:
            span.end(failure: nil)
        case .duplicate:
            span.attributes["messaging.duplicate"] = true
            span.end(failure: nil)
        case .deferred:
            span.attributes["projection.deferred"] = true
            span.end(failure: nil)
        case .retry(let failure):
            span.end(failure: failure.error.description)
        case .foreign(let why):
            span.end(failure: "not from its source: \(why)")
        }
    }

    mutating func endAll(failure: String?) {
        for span in open.values { span.end(failure: failure) }
        open = [:]
    }
}
