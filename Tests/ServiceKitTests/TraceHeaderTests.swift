import Messaging
import Testing
@testable import ServiceKit

/// Only W3C-shaped trace context reaches the tracer; anything else starts a new trace.
@Suite struct TraceHeaderTests {
    @Test func aW3CTraceParentIsRead() {
        let value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        #expect(TraceHeader.isWellFormed(traceParent: value))
        #expect(AMQPHeadersExtractor().extract(key: "traceparent", from: ["traceparent": .string(value)]) == value)
    }

    @Test(arguments: [
        "", "00-zz-zz-00", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        String(repeating: "x", count: 1000),
    ])
    func anythingElseIsIgnored(_ value: String) {
        #expect(!TraceHeader.isWellFormed(traceParent: value))
        #expect(AMQPHeadersExtractor().extract(key: "traceparent", from: ["traceparent": .string(value)]) == nil)
    }

    @Test func aTraceParentThatIsNotAStringIsIgnored() {
        #expect(AMQPHeadersExtractor().extract(key: "traceparent", from: ["traceparent": .int(7)]) == nil)
    }

    @Test func injectedContextIsWrittenAsStringHeaders() {
        var headers: [String: AMQPFieldValue] = ["schema-version": .int(1)]
        AMQPHeadersInjector().inject("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", forKey: "traceparent", into: &headers)
        #expect(headers["traceparent"] == .string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(headers["schema-version"] == .int(1))
    }
}
