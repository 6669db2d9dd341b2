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

    @Test func descriptionMasksThePassword() throws {
        #expect(try AMQPURL("amqp://u:secret@h:1/").description == "amqp://u:***@h:1/")
    }

    @Test(arguments: [
        ("http://h/", "it must start with amqp://"),
        ("amqps://h/", "amqps (TLS) is not supported"),
        ("amqp://u:p@/", "the host is missing"),
        ("amqp://h:99999/", "the port '99999' is not a number between 1 and 65535"),
        ("amqp://h:abc/", "the port 'abc' is not a number between 1 and 65535"),
        ("amqp://h/%zz", "the vhost has invalid percent-encoding"),
    ])
    func malformedURLsAreRejectedWithTheReason(url: String, reason: String) {
        #expect(throws: AMQPError.invalidURL(reason: reason)) { try AMQPURL(url) }
    }
}
