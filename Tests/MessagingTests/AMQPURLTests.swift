import Messaging
import Testing

@Suite("AMQPURL parsing")
struct AMQPURLTests {
    @Test func fullURLIsSplitIntoItsParts() throws {
        let url = try AMQPURL("amqp://alice:s3cret@broker.local:5673/orders")
        #expect(url == AMQPURL(host: "broker.local", port: 5673, user: "alice", password: "s3cret", vhost: "orders"))
    }

    @Test func portDefaultsTo5672AndEmptyPathIsTheRootVhost() throws {
        #expect(try AMQPURL("amqp://guest:guest@127.0.0.1/") == AMQPURL(host: "127.0.0.1"))
        #expect(try AMQPURL("amqp://127.0.0.1") == AMQPURL(host: "127.0.0.1"))
    }

    @Test func userPasswordAndVhostArePercentDecoded() throws {
        let url = try AMQPURL("amqp://us%40er:p%3Ass@h:1/%2F")
        #expect(url.user == "us@er")
        #expect(url.password == "p:ss")
        #expect(url.vhost == "/")
    }

    /// Byte for byte: Foundation's decoder drops a leading U+FEFF, which would log in with another password.
    @Test func credentialsKeepEveryByteTheyName() throws {
        let url = try AMQPURL("amqp://%EF%BB%BFuser:%EF%BB%BFpw%E2%80%8B@h/%EF%BB%BFvh")
        #expect(Array(url.user.utf8) == [0xEF, 0xBB, 0xBF] + Array("user".utf8))
        #expect(Array(url.password.utf8) == [0xEF, 0xBB, 0xBF] + Array("pw".utf8) + [0xE2, 0x80, 0x8B])
        #expect(Array(url.vhost.utf8) == [0xEF, 0xBB, 0xBF] + Array("vh".utf8))
        #expect(try AMQPURL("amqp://h/" + String(repeating: "v", count: 255)).vhost.utf8.count == 255)
        #expect(try AMQPURL("amqp://caf%C3%A9:p%25%2F%40@h/").user == "café")
        #expect(try AMQPURL("amqp://caf%C3%A9:p%25%2F%40@h/").password == "p%/@")
    }

    @Test func descriptionMasksThePassword() throws {
        #expect(try AMQPURL("amqp://u:secret@h:1/").description == "amqp://u:***@h:1/")
    }

    @Test(arguments: [
        ("http://h/", "it must start with amqp://"),
        ("amqps://h/", "amqps (TLS) is not supported"),
        ("amqp://u:p@/", "the host is missing"),
        ("amqp://h:99999/", "the port '99999' is not a number between 1 and 65535"),
        ("amqp://h:abc/", "the port 'abc' is not a number between 1 and 65535"),
        ("amqp://h/%zz", "the vhost has invalid percent-encoding: the '%' at byte 0 is not followed by two hex digits"),
        ("amqp://u:pass%4@h/", "the password has invalid percent-encoding: the '%' at byte 4 is not followed by two hex digits"),
        ("amqp://us%er:p@h/", "the user has invalid percent-encoding: the '%' at byte 2 is not followed by two hex digits"),
        ("amqp://u:p%@h/", "the password has invalid percent-encoding: the '%' at byte 1 is not followed by two hex digits"),
        ("amqp://u:%C3@h/", "the password has invalid percent-encoding: the decoded bytes are not UTF-8"),
        ("amqp://u%00x:p@h/", "the user contains a NUL byte (%00)"),
        ("amqp://u:p%00@h/", "the password contains a NUL byte (%00)"),
        ("amqp://h/v%00", "the vhost contains a NUL byte (%00)"),
        ("amqp://h/" + String(repeating: "v", count: 256), "the vhost is longer than 255 bytes"),
    ])
    func malformedURLsAreRejectedWithTheReason(url: String, reason: String) {
        #expect(throws: AMQPError.invalidURL(reason: reason)) { try AMQPURL(url) }
    }
}
