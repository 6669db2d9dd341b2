import Foundation
import Testing
import TestSupport

/// An AMQP_URL whose user, password or vhost is not valid percent-encoding is a configuration
/// error: each executable exits 2 with one line naming the part and the escape, before it
/// touches its store or the broker.
@Suite("AMQP_URL percent-encoding")
struct BrokerURLConfigurationTests {
    @Test(arguments: [
        ("order-service", "amqp://saga:p%zz@127.0.0.1:5672/", "the password has invalid percent-encoding: the '%' at byte 1 is not followed by two hex digits"),
        ("payment-service", "amqp://sa%g:pw@127.0.0.1:5672/", "the user has invalid percent-encoding: the '%' at byte 2 is not followed by two hex digits"),
        ("inventory-service", "amqp://saga:pw@127.0.0.1:5672/v%C3", "the vhost has invalid percent-encoding: the decoded bytes are not UTF-8"),
        ("projection-service", "amqp://saga:p%00w@127.0.0.1:5672/", "the password contains a NUL byte (%00)"),
    ])
    func anInvalidEscapeStopsTheServiceWithAOneLineReason(service: String, url: String, reason: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("amqp-url-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = directory.appendingPathComponent("\(service).sqlite")
        let (status, output) = try await runProcess(try BuildProducts.executable(named: service).path, [], environment: [
            "AMQP_URL": url, "DATABASE_PATH": store.path, "HTTP_PORT": String(try FreePort.next()), "LOG_LEVEL": "error",
        ])
        #expect(status == 2, "\(service) exits 2 on an invalid AMQP_URL: \(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(output)")
        #expect(output.contains("\(service): invalid AMQP URL: \(reason)"), "\(output)")
        #expect(!output.contains("p%zz") && !output.contains("pw@"), "the reason does not echo the password: \(output)")
        #expect(!FileManager.default.fileExists(atPath: store.path), "nothing was opened: the URL is checked first")
    }
}
