import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// One span as an OTLP/HTTP export carried it.
struct ReceivedSpan: Sendable, CustomStringConvertible {
    var service: String
    var traceId: String
    var spanId: String
    /// `nil` for a root span.
    var parentSpanId: String?
    var name: String
    /// OTLP's `SpanKind`: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    var kind: Int
    var attributes: [String: String]
    /// OTLP's status code: 0 unset, 1 ok, 2 error.
    var statusCode: Int

    var kindName: String {
        switch kind {
        case 2: "server"
        case 3: "client"
        case 4: "producer"
        case 5: "consumer"
        default: "internal"
        }
    }

    var description: String {
        "\(service) \(kindName) \"\(name)\" span \(spanId) parent \(parentSpanId ?? "none") trace \(traceId)"
    }
}

/// A minimal OpenTelemetry collector for tests: an HTTP server on a free loopback port that takes
/// `POST /v1/traces` in OTLP's JSON encoding (`http/json`) and keeps every span it decodes.
final class OTLPReceiver: Sendable {
    private let received = Mutex<[ReceivedSpan]>([])
    private let requests = Mutex(0)
    private let group: ServiceGroup
    private let server: Task<Void, any Error>
    /// `http://127.0.0.1:<port>`, for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    let endpoint: String

    private init(group: ServiceGroup, server: Task<Void, any Error>, endpoint: String) {
        self.group = group
        self.server = server
        self.endpoint = endpoint
    }

    var spans: [ReceivedSpan] { received.withLock { $0 } }
    var exportRequests: Int { requests.withLock { $0 } }

    /// Starts listening; returns once the port is known.
    static func start() async throws -> OTLPReceiver {
        let box = ReceiverBox()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            let spans = try OTLPJSON.spans(in: Data(buffer: body))
            box.receiver?.record(spans)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "otlp-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "otlp-receiver"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        var port = 0
        for await value in ports { port = value }
        guard port > 0 else {
            server.cancel()
            throw OTLPError("the OTLP receiver did not start")
        }
        let receiver = OTLPReceiver(group: group, server: server, endpoint: "http://127.0.0.1:\(port)")
        box.receiver = receiver
        return receiver
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await server.value
    }

    private func record(_ spans: [ReceivedSpan]) {
        requests.withLock { $0 += 1 }
        received.withLock { $0 += spans }
    }
}

/// Lets the route reach the receiver created after it.
private final class ReceiverBox: Sendable {
    private let value = Mutex<OTLPReceiver?>(nil)
    var receiver: OTLPReceiver? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

struct OTLPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Decodes an `ExportTraceServiceRequest` in OTLP's JSON mapping of the protobuf messages.
enum OTLPJSON {
    static func spans(in body: Data) throws -> [ReceivedSpan] {
        guard let root = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw OTLPError("an export request that is not a JSON object")
        }
        var spans: [ReceivedSpan] = []
        for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let resource = attributes(of: (resourceSpans["resource"] as? [String: Any])?["attributes"])
            let service = resource["service.name"] ?? "?"
            for scopeSpans in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scopeSpans["spans"] as? [[String: Any]] ?? [] {
                    let parent = (span["parentSpanId"] as? String).flatMap { $0.isEmpty ? nil : hex($0) }
                    spans.append(ReceivedSpan(
                        service: service,
                        traceId: hex(span["traceId"] as? String ?? ""),
                        spanId: hex(span["spanId"] as? String ?? ""),
                        parentSpanId: parent,
                        name: span["name"] as? String ?? "",
                        kind: integer(span["kind"]),
                        attributes: attributes(of: span["attributes"]),
                        statusCode: integer((span["status"] as? [String: Any])?["code"])
                    ))
                }
            }
        }
        return spans
    }

    /// OTLP/JSON says hex for trace and span ids; protobuf's canonical JSON says base64. Both are read.
    static func hex(_ text: String) -> String {
        let isHex = !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        if isHex, text.count == 32 || text.count == 16 { return text }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func integer(_ value: Any?) -> Int {
        if let number = value as? Int { return number }
        if let text = value as? String { return Int(text) ?? 0 }
        return 0
    }

    private static func attributes(of value: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in value as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            if let text = value["stringValue"] as? String {
                result[key] = text
            } else if let number = value["intValue"] {
                result[key] = "\(number)"
            } else if let flag = value["boolValue"] as? Bool {
                result[key] = "\(flag)"
            } else if let double = value["doubleValue"] {
                result[key] = "\(double)"
            }
        }
        return result
    }
}
