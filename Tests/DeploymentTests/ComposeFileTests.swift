import Foundation
import ServiceKit
import Testing

/// compose.yaml must start the four products the way the contract and the services expect.
@Suite("compose.yaml")
struct ComposeFileTests {
    let files: DeploymentFiles
    let compose: ComposeFile

    init() throws {
        files = try DeploymentFiles()
        compose = try ComposeFile(source: files.composeSource)
    }

    @Test func composeRunsExactlyTheFourProductsOfThePackage() {
        let composed = Set(compose.applicationServices.keys)
        #expect(composed == Set(DeploymentFiles.contractPorts.keys), "services built from the Dockerfile")
        let services = files.products.filter { $0.hasSuffix("-service") }
        #expect(services == Set(DeploymentFiles.contractPorts.keys), "service products in Package.swift")
    }

    @Test(arguments: DeploymentFiles.contractPorts.keys.sorted())
    func eachServiceRunsTheProductOfItsOwnName(service name: String) throws {
        let service = try #require(compose.services[name], "compose.yaml has no service \(name)")
        let command = try #require(service["command"]?.strings, "\(name) has no `command: [...]`")
        #expect(command == [name])
        #expect(files.products.contains(command.first ?? ""), "\(command) is not an executable product in Package.swift")
    }

    @Test func everyComposeVariableIsOneTheServicesRead() {
        let known = Set(EnvironmentVariable.allCases.map(\.rawValue))
        for (name, service) in compose.applicationServices {
            let environment = compose.environment(of: service)
            #expect(!environment.isEmpty, "\(name) sets no environment")
            for key in environment.keys.sorted() {
                #expect(known.contains(key), "\(name) sets \(key), which is not an EnvironmentVariable")
            }
        }
    }

    @Test(arguments: DeploymentFiles.contractPorts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    func eachServiceListensOnItsContractPortAndPublishesIt(service name: String, port: Int) throws {
        let service = try #require(compose.services[name])
        let environment = compose.environment(of: service)
        #expect(environment[EnvironmentVariable.httpPort.rawValue] == String(port))
        #expect(environment[EnvironmentVariable.httpHost.rawValue] == "0.0.0.0", "a container must listen on all interfaces")
        let published = (service["ports"]?.strings ?? []).map { mapping -> (host: String, container: String) in
            // "HOST:CONTAINER" or "IP:HOST:CONTAINER"
            let parts = mapping.split(separator: ":").map(String.init)
            return (parts.dropLast().last ?? "", parts.last ?? "")
        }
        #expect(published.contains { $0.host == String(port) && $0.container == String(port) },
                "\(name) must publish \(port):\(port), has \(service["ports"]?.strings ?? [])")
    }

    @Test func everyPortIsPublishedOnLoopbackOnly() throws {
        for (name, service) in compose.services.sorted(by: { $0.key < $1.key }) {
            for mapping in service["ports"]?.strings ?? [] {
                #expect(mapping.split(separator: ":").first == "127.0.0.1", "\(name) publishes \(mapping) beyond 127.0.0.1")
            }
        }
    }

    @Test func everyServiceWaitsForAHealthyBrokerAndUsesIt() throws {
        let broker = try #require(compose.services[DeploymentFiles.brokerService], "compose.yaml has no broker service")
        #expect(broker["healthcheck"]?["test"] != nil, "the broker needs a healthcheck for service_healthy")
        for (name, service) in compose.applicationServices {
            let condition = service["depends_on"]?[DeploymentFiles.brokerService]?["condition"]?.string
            #expect(condition == "service_healthy", "\(name) must depend on a healthy \(DeploymentFiles.brokerService)")
            let url = compose.environment(of: service)[EnvironmentVariable.amqpURL.rawValue].flatMap(URLComponents.init(string:))
            #expect(url?.scheme == "amqp", "\(name) AMQP_URL")
            #expect(url?.host == DeploymentFiles.brokerService, "\(name) must reach the broker by its compose name")
        }
    }

    @Test func everyServiceKeepsItsStoreOnANamedVolumeOfItsOwn() throws {
        let declaredVolumes = Set(compose["volumes"]?.keys ?? [])
        var volumesInUse: [String: String] = [:]
        for (name, service) in compose.applicationServices.sorted(by: { $0.key < $1.key }) {
            let path = try #require(compose.environment(of: service)[EnvironmentVariable.databasePath.rawValue],
                                    "\(name) sets no DATABASE_PATH")
            #expect(path.hasPrefix("/data/"), "\(name) DATABASE_PATH \(path) should be under /data")
            let mounts = (service["volumes"]?.strings ?? []).map { $0.split(separator: ":").map(String.init) }
            let mount = mounts.first { $0.count >= 2 && path.hasPrefix($0[1].hasSuffix("/") ? $0[1] : $0[1] + "/") }
            let volume = try #require(mount?.first, "\(name): no volume is mounted over \(path)")
            #expect(declaredVolumes.contains(volume), "\(name) mounts \(volume), which is not a named volume")
            if let other = volumesInUse[volume] {
                Issue.record("\(name) and \(other) share the volume \(volume)")
            }
            volumesInUse[volume] = name
        }
    }

    @Test func projectionReadsTheFeedsOfTheOtherThreeServicesByComposeName() throws {
        let projection = try #require(compose.services["projection-service"])
        let sourceURLs = try #require(compose.environment(of: projection)[EnvironmentVariable.sourceURLs.rawValue],
                                      "projection-service sets no SOURCE_URLS")
        var sources: [String: Int] = [:]
        for text in sourceURLs.split(separator: ",") {
            let url = try #require(URLComponents(string: String(text)), "\(text) is not a URL")
            #expect(url.scheme == "http")
            sources[url.host ?? ""] = url.port
        }
        let feeds = ["order-service", "payment-service", "inventory-service"]
        #expect(Set(sources.keys) == Set(feeds))
        for feed in feeds {
            let port = compose.services[feed].map { compose.environment(of: $0)[EnvironmentVariable.httpPort.rawValue] }
            #expect(sources[feed].map(String.init) == port ?? nil, "SOURCE_URLS must use \(feed)'s HTTP_PORT")
        }
    }

    @Test func onlyOrderServiceGetsTheSagaTimeout() {
        for (name, service) in compose.applicationServices {
            let timeout = compose.environment(of: service)[EnvironmentVariable.sagaTimeoutSeconds.rawValue]
            #expect((timeout != nil) == (name == "order-service"), "\(name) SAGA_TIMEOUT_SECONDS")
        }
    }

    @Test func servicesLogJSONAndTakeTheAdminTokenFromTheHost() {
        for (name, service) in compose.applicationServices {
            let environment = compose.environment(of: service)
            #expect(environment[EnvironmentVariable.logFormat.rawValue] == "json", "\(name) LOG_FORMAT")
            #expect(environment[EnvironmentVariable.adminToken.rawValue] == "${ADMIN_TOKEN:-}", "\(name) ADMIN_TOKEN")
        }
    }

    @Test(arguments: DeploymentFiles.contractPorts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    func healthcheckAsksTheServiceIfItIsReadyOnItsOwnPort(service name: String, port: Int) throws {
        let service = try #require(compose.services[name])
        let test = try #require(service["healthcheck"]?["test"]?.strings, "\(name) has no healthcheck test list")
        #expect(test.first == "CMD")
        #expect(test.contains("http://127.0.0.1:\(port)/ready") || test.contains("http://localhost:\(port)/ready"),
                "\(name) healthcheck \(test)")
        // The tool must exist in the image the service runs.
        let tool = try #require(test.dropFirst().first)
        let installs = files.dockerfile.runtimeStage
            .filter { $0.keyword == "RUN" && $0.arguments.contains("apt-get install") }
            .flatMap { $0.arguments.split(separator: " ").map(String.init) }
        #expect(installs.contains(tool), "\(tool) is not installed in the Dockerfile's runtime stage")
        #expect(service["restart"]?.string == "unless-stopped")
    }

    @Test(.enabled(if: DockerCompose.executable != nil, "docker-compose is not installed"))
    func dockerComposeAcceptsTheFile() throws {
        let executable = try #require(DockerCompose.executable)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-f", files.root.appendingPathComponent("compose.yaml").path, "config", "-q"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "docker-compose config: \(message)")
    }
}

enum DockerCompose {
    /// docker-compose on PATH, if any.
    static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("docker-compose") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}
