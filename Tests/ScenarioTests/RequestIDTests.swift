import Foundation
import Testing
import TestSupport

/// `X-Request-Id` on every answer of the real services, and `request.id` on every log line of
/// the request it names.
@Suite("Request ids", .serialized, .timeLimit(.minutes(10)))
struct RequestIDTests {
    static func configuration() -> SagaConfiguration {
        var configuration = SagaConfiguration()
        // The services log each request served at debug.
        configuration.logLevel = "debug"
        return configuration
    }

    @Test func everyAnswerEchoesASaneClientRequestIdAndItsLogLinesCarryIt() async throws {
        try await withSagaSystem(Self.configuration()) { system in
            for service in ServiceName.allCases {
                let client = system.service(service).client
                let id = "trace-\(service.rawValue)-\(UUID().uuidString)"
                let ok = try await client.get("/health", headers: ["X-Request-Id": id])
                #expect(ok.status == 200)
                #expect(ok.header("X-Request-Id") == id, "\(service) echoes a sane id: \(ok.headers)")

                let missingId = "missing-\(UUID().uuidString)"
                let missing = try await client.get("/no/such/route", headers: ["X-Request-Id": missingId])
                #expect(missing.status == 404)
                #expect(missing.errorCode == "not_found")
                #expect(missing.header("X-Request-Id") == missingId, "an error answer carries the id too: \(missing.headers)")

                try await expectLogLine(of: system, service, containing: "request.id=\(missingId)", and: "http.status=404")
            }
            let invalidId = "invalid-\(UUID().uuidString)"
            let invalid = try await system.orderService.client.post(
                "/orders", json: ["customerId": "c-1"], headers: ["X-Request-Id": invalidId])
            #expect(invalid.status == 400, "\(invalid)")
            #expect(invalid.header("X-Request-Id") == invalidId)
            try await expectLogLine(of: system, .order, containing: "request.id=\(invalidId)", and: "http.status=400")
        }
    }

    @Test func aLineLoggedByTheServiceItselfDuringARequestCarriesItsId() async throws {
        try await withSagaSystem(Self.configuration()) { system in
            let id = "bulk-delete-\(UUID().uuidString)"
            var headers = system.adminHeaders
            headers["X-Request-Id"] = id
            let deleted = try await system.paymentService.client.delete("/admin/dead-letters?all=true", headers: headers)
            #expect(deleted.status == 200, "\(deleted)")
            #expect(deleted.header("X-Request-Id") == id)
            // Logged by the dead-letter queue through the service's own logger, not the request's.
            try await expectLogLine(of: system, .payment, containing: "request.id=\(id)", and: "Dead letters deleted")
        }
    }

    @Test func anUnfitClientRequestIdIsReplacedByAGeneratedOneAndTheLongestSaneOneIsKept() async throws {
        try await withSagaSystem(Self.configuration()) { system in
            let client = system.orderService.client
            var generated: Set<String> = []
            for unfit in [String(repeating: "a", count: 129), "two words", "tab\there", ""] {
                let answer = try await client.get("/health", headers: ["X-Request-Id": unfit])
                let id = try #require(answer.header("X-Request-Id"), "\(answer.headers)")
                #expect(id != unfit)
                #expect(UUID(uuidString: id) != nil, "a generated id is a UUID: \(id)")
                generated.insert(id)
                try await expectLogLine(of: system, .order, containing: "request.id=\(id)", and: "http.path=/health")
            }
            #expect(generated.count == 4, "each request gets its own id: \(generated)")

            let longest = String(repeating: "x", count: 100) + "!#$%&'*+-.^_`|~:;<>=?@[]{}/,"
            #expect(longest.utf8.count == 128)
            let kept = try await client.get("/health", headers: ["X-Request-Id": longest])
            #expect(kept.header("X-Request-Id") == longest, "128 bytes of visible ASCII are kept")
        }
    }
}

/// Waits until one line of the service's log holds both fragments.
func expectLogLine(
    of system: SagaSystem, _ service: ServiceName, containing first: String, and second: String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let url = system.service(service).logURL
    _ = try await waitUntil("\(service) logs a line with \(first) and \(second)", timeout: .seconds(10)) {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.contains(first) && $0.contains(second) }
        return line.map { .done(String($0)) } ?? .notYet(seen: "no such line among \(text.split(separator: "\n").count)")
    }
}
