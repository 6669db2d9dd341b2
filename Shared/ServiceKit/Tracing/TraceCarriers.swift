import Instrumentation
import Messaging

/// The W3C trace context headers (`traceparent`, `tracestate`), checked before the tracer sees them.
enum TraceHeader {
    static let traceParent = "traceparent"
    static let traceState = "tracestate"

    /// Whether `value` has the shape of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`, lowercase).
    /// Anything else is ignored, so a bad header starts a new trace instead of a warning per message.
    static func isWellFormed(traceParent value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-") else {
            return false
        }
        let isHex: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        for (index, byte) in bytes.enumerated() where ![2, 35, 52].contains(index) {
            guard isHex(byte) else { return false }
        }
        return true
    }

    /// `tracestate` is at most 32 list members of at most 256 bytes; longer is not W3C.
    static func isPlausible(traceState value: String) -> Bool {
        value.utf8.count <= 8_192
    }
}

/// Reads the trace context of a message from its AMQP headers.
struct AMQPHeadersExtractor: Extractor {
    func extract(key: String, from carrier: [String: AMQPFieldValue]) -> String? {
        guard case .string(let value)? = carrier[key] else { return nil }
        switch key {
        case TraceHeader.traceParent: return TraceHeader.isWellFormed(traceParent: value) ? value : nil
        case TraceHeader.traceState: return TraceHeader.isPlausible(traceState: value) ? value : nil
        default: return value
        }
    }
}

/// Writes a span's trace context into AMQP headers.
struct AMQPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: AMQPFieldValue]) {
        carrier[key] = .string(value)
    }
}

/// Reads and writes a trace context as plain string pairs (the `traceparent` kept in the outbox).
struct StringPairsCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? {
        guard let value = carrier[key] else { return nil }
        return key == TraceHeader.traceParent && !TraceHeader.isWellFormed(traceParent: value) ? nil : value
    }

    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
