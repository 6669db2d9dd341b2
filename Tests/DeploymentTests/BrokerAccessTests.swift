import Contracts
import Delivery
import Foundation
import Messaging
import ServiceKit
import Testing

/// The broker of compose.yaml: each service logs in as its own user on one vhost, with exactly the
/// permissions the topology it declares needs (deploy/rabbitmq/definitions.json).
@Suite("broker access")
struct BrokerAccessTests {
    let files: DeploymentFiles
    let compose: ComposeFile

    init() throws {
        files = try DeploymentFiles()
        compose = try ComposeFile(source: files.composeSource)
    }

    /// The broker login in a service's AMQP_URL.
    private func login(of name: String) throws -> AMQPURL {
        let service = try #require(compose.services[name], "compose.yaml has no service \(name)")
        let text = try #require(compose.environment(of: service)[EnvironmentVariable.amqpURL.rawValue], "\(name) sets no AMQP_URL")
        return try AMQPURL(text)
    }

    private func permission(of user: String, on vhost: String) throws -> BrokerDefinitions.Permission {
        try #require(files.brokerDefinitions.permissions.first { $0.user == user && $0.vhost == vhost },
                     "definitions.json gives \(user) no permissions on \(vhost)")
    }

    @Test(arguments: ServiceName.allCases)
    func eachServiceLogsInAsItsOwnUserOnTheOneVhost(service: ServiceName) throws {
        let url = try login(of: service.rawValue)
        #expect(url.user == service.rawValue, "\(service.rawValue) logs in as \(url.user)")
        #expect(url.vhost != "/", "the services share a vhost of their own, not the default one")
        #expect(files.brokerDefinitions.vhosts.map(\.name) == [url.vhost], "definitions.json declares the vhost \(url.vhost) alone")
        let user = try #require(files.brokerDefinitions.users.first { $0.name == url.user }, "definitions.json has no user \(url.user)")
        #expect(user.password == url.password, "AMQP_URL and definitions.json disagree on \(url.user)'s password")
        #expect(user.tags.isEmpty, "a service user needs no management tags")
        _ = try permission(of: url.user, on: url.vhost)
    }

    @Test(arguments: ServiceName.allCases)
    func permissionsCoverTheTopologyTheServiceDeclaresAndUses(service: ServiceName) throws {
        let url = try login(of: service.rawValue)
        let granted = try permission(of: url.user, on: url.vhost)
        let topology = Topology.declared(by: RetryPolicy(service: service, delays: [200, 1000, 5000, 30000], maxAttempts: 5))
        for name in topology.exchanges.map(\.name) + topology.queues.map(\.name) {
            #expect(Self.matches(granted.configure, name), "\(service.rawValue) declares \(name): configure \(granted.configure)")
        }
        for binding in topology.bindings {
            #expect(Self.matches(granted.write, binding.queue), "\(service.rawValue) binds \(binding.queue): write \(granted.write)")
            #expect(Self.matches(granted.read, binding.exchange), "\(service.rawValue) binds to \(binding.exchange): read \(granted.read)")
        }
        // Publishes its events, and sends retries and replays through the default exchange.
        for exchange in [service.exchange, "amq.default"].compactMap({ $0 }) {
            #expect(Self.matches(granted.write, exchange), "\(service.rawValue) publishes to \(exchange): write \(granted.write)")
        }
        // Consumes its queue, reads its parked messages.
        for queue in [service.queue, service.deadLetterQueue] {
            #expect(Self.matches(granted.read, queue), "\(service.rawValue) reads \(queue): read \(granted.read)")
        }
    }

    @Test(arguments: ServiceName.allCases)
    func noServiceMayPublishAsAnotherOrReadAnotherServicesQueues(service: ServiceName) throws {
        let url = try login(of: service.rawValue)
        let granted = try permission(of: url.user, on: url.vhost)
        for other in ServiceName.allCases where other != service {
            if let exchange = other.exchange {
                #expect(!Self.matches(granted.write, exchange), "\(service.rawValue) may publish to \(exchange)")
            }
            for queue in [other.queue, other.deadLetterQueue] {
                #expect(!Self.matches(granted.read, queue), "\(service.rawValue) may read \(queue)")
            }
        }
    }

    @Test func theBrokerLoadsTheDefinitionsItIsGivenAndHasTheManagementUI() throws {
        let broker = try #require(compose.services[DeploymentFiles.brokerService])
        let image = try #require(broker["image"]?.string)
        #expect(image.hasPrefix("${RABBITMQ_IMAGE:-rabbitmq:") && image.hasSuffix("-management}"), "broker image \(image)")
        let mounts = (broker["volumes"]?.strings ?? []).map { $0.split(separator: ":").map(String.init) }
        let definitions = try #require(mounts.first { $0.first == "./" + DeploymentFiles.brokerDefinitionsPath },
                                       "the broker does not mount \(DeploymentFiles.brokerDefinitionsPath)")
        let configuration = try #require(mounts.first { $0.count >= 2 && $0[1].hasPrefix("/etc/rabbitmq/conf.d/") },
                                         "the broker does not mount a file into /etc/rabbitmq/conf.d")
        let source = try String(contentsOf: files.root.appendingPathComponent(configuration[0]), encoding: .utf8)
        let settings = source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
        #expect(settings.contains("load_definitions = \(definitions[1])"), "rabbitmq.conf must load \(definitions[1])")
        #expect(settings.contains("loopback_users.guest = true"), "guest must not log in from outside the broker's container")
        let administrators = files.brokerDefinitions.users.filter { $0.tags.split(separator: ",").contains("administrator") }
        #expect(administrators.count == 1, "one administrator for the management UI")
        #expect(broker["ports"]?.strings?.contains("127.0.0.1:15672:15672") == true, "the management UI on 127.0.0.1:15672")
    }

    /// RabbitMQ's test: the pattern is searched for anywhere in the name (anchors are the pattern's).
    static func matches(_ pattern: String, _ name: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return false }
        return expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }
}
