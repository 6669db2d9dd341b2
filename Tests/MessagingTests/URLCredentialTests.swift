import Foundation
import Messaging
import Testing

extension BrokerTests {
    /// The user and password of AMQP_URL reach the broker as the bytes their percent-encoding
    /// names: a leading U+FEFF, which Foundation's decoder drops, is part of the password.
    @Suite("AMQP URL credentials against the broker")
    struct URLCredentialTests {
        @Test func aPasswordWithALeadingByteOrderMarkLogsIn() async throws {
            let node = try BrokerTrait.node
            let user = "bom-\(UUID().uuidString.prefix(8).lowercased())"
            try await node.addUser(user, password: "\u{FEFF}pw:é/@")
            let url = try AMQPURL("amqp://\(user):%EF%BB%BFpw%3A%C3%A9%2F%40@127.0.0.1:\(node.amqpPort)/")
            #expect(Array(url.password.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])

            let connection = try await AMQPConnection.connect(to: url, name: #function, confirmMode: false, logger: testLogger)
            #expect(connection.isOpen)
            await connection.close()

            // The same password without its first character is another password: the broker refuses it.
            let stripped = try AMQPURL("amqp://\(user):pw%3A%C3%A9%2F%40@127.0.0.1:\(node.amqpPort)/")
            await #expect(throws: AMQPError.self) {
                let wrong = try await AMQPConnection.connect(to: stripped, name: #function, confirmMode: false, logger: testLogger)
                await wrong.close()
            }
        }
    }
}
