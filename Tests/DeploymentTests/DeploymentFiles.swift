import Foundation

/// The package's deployment files, read from the package root (found from this file's path).
struct DeploymentFiles {
    /// The services and their HTTP ports (docs/API.md).
    static let contractPorts: [String: Int] = [
        "order-service": 8081,
        "payment-service": 8082,
        "inventory-service": 8083,
        "projection-service": 8084,
    ]
    /// The compose service of the broker.
    static let brokerService = "rabbitmq"

    let root: URL
    /// compose.yaml as text; `ComposeFile(source:)` reads it (a syntax error fails only its tests).
    let composeSource: String
    let dockerfile: Dockerfile
    let dockerignore: [String]
    /// The executable products declared in Package.swift.
    let products: Set<String>
    /// The broker's users, vhosts and permissions (deploy/rabbitmq/definitions.json).
    let brokerDefinitions: BrokerDefinitions

    init(filePath: String = #filePath) throws {
        root = try Self.packageRoot(from: filePath)
        composeSource = try Self.read("compose.yaml", in: root)
        dockerfile = Dockerfile(source: try Self.read("Dockerfile", in: root))
        dockerignore = try Self.read(".dockerignore", in: root)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        products = Self.executableProducts(in: try Self.read("Package.swift", in: root))
        brokerDefinitions = try JSONDecoder().decode(
            BrokerDefinitions.self, from: Data(try Self.read(Self.brokerDefinitionsPath, in: root).utf8))
    }

    /// Where compose.yaml mounts the broker's definitions from.
    static let brokerDefinitionsPath = "deploy/rabbitmq/definitions.json"

    // MARK: Reading

    private static func packageRoot(from filePath: String) throws -> URL {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        throw MissingFile(name: "Package.swift above \(filePath)")
    }

    private static func read(_ name: String, in root: URL) throws -> String {
        let url = root.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw MissingFile(name: url.path)
        }
        return text
    }

    /// The names in `.executable(name: "...", ...)` declarations (not in `//` comment lines).
    static func executableProducts(in manifest: String) -> Set<String> {
        let code = manifest.split(separator: "\n")
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            .joined(separator: "\n")
        let pattern = #/\.executable\(\s*name:\s*"([^"]+)"/#
        return Set(code.matches(of: pattern).map { String($0.output.1) })
    }
}

/// compose.yaml, read with Yams.
struct ComposeFile {
    let document: YAMLValue

    init(source: String) throws {
        document = try YAMLValue(yaml: source)
    }

    subscript(key: String) -> YAMLValue? { document[key] }

    /// Every compose service, by name.
    var services: [String: YAMLValue] {
        guard case .mapping(let entries)? = document["services"] else { return [:] }
        return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The services built from the package's Dockerfile: the project's own, as opposed to the broker.
    var applicationServices: [String: YAMLValue] {
        services.filter { $0.value["build"] != nil }
    }

    /// A service's environment as a dictionary (mapping or `KEY=value` list form).
    func environment(of service: YAMLValue) -> [String: String] {
        switch service["environment"] {
        case .mapping(let entries)?:
            return Dictionary(entries.map { ($0.key, $0.value.string ?? "") }, uniquingKeysWith: { first, _ in first })
        case .sequence(let items)?:
            var result: [String: String] = [:]
            for item in items {
                guard let text = item.string else { continue }
                let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            return result
        default:
            return [:]
        }
    }
}

struct MissingFile: Error, CustomStringConvertible {
    let name: String
    var description: String { "cannot read \(name)" }
}

/// A Dockerfile as instructions (continuation lines joined, comments dropped), split in stages.
struct Dockerfile {
    struct Instruction {
        let keyword: String
        let arguments: String
    }

    /// The stages in order, each starting with its FROM instruction.
    let stages: [[Instruction]]
    /// The `ARG NAME=default` instructions before the first FROM: what FROM lines may use.
    let globalArguments: [String: String]

    init(source: String) {
        var instructions: [Instruction] = []
        var pending = ""
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let logical = (pending + line).trimmingCharacters(in: .whitespaces)
            pending = ""
            guard !logical.isEmpty else { continue }
            let parts = logical.split(separator: " ", maxSplits: 1)
            instructions.append(Instruction(
                keyword: parts[0].uppercased(),
                arguments: parts.count > 1 ? String(parts[1]) : ""
            ))
        }
        var stages: [[Instruction]] = []
        var globalArguments: [String: String] = [:]
        for instruction in instructions {
            if instruction.keyword == "FROM" {
                stages.append([instruction])
            } else if stages.isEmpty {
                if instruction.keyword == "ARG" {
                    let parts = instruction.arguments.split(separator: "=", maxSplits: 1).map(String.init)
                    globalArguments[parts[0]] = parts.count > 1 ? parts[1] : ""
                }
            } else {
                stages[stages.count - 1].append(instruction)
            }
        }
        self.stages = stages
        self.globalArguments = globalArguments
    }

    /// The image a stage starts from, with `${NAME}` / `$NAME` replaced by the global ARG's default.
    func baseImage(of stage: [Instruction]) -> String? {
        guard let from = stage.first, from.keyword == "FROM" else { return nil }
        let image = from.arguments.split(separator: " ").first { !$0.hasPrefix("--") }.map(String.init) ?? ""
        guard image.hasPrefix("$") else { return image }
        let name = image.trimmingCharacters(in: CharacterSet(charactersIn: "${}"))
        return globalArguments[name]
    }

    /// The global ARG a stage's FROM names (`FROM ${NAME} AS ...`), if it names one.
    static func baseImageArgument(of stage: [Instruction]) -> String? {
        guard let from = stage.first, from.keyword == "FROM" else { return nil }
        let image = from.arguments.split(separator: " ").first { !$0.hasPrefix("--") }.map(String.init) ?? ""
        guard image.hasPrefix("$") else { return nil }
        return image.trimmingCharacters(in: CharacterSet(charactersIn: "${}"))
    }

    /// The name a stage is given with `FROM image AS name`.
    static func name(of stage: [Instruction]) -> String? {
        guard let from = stage.first, from.keyword == "FROM" else { return nil }
        let words = from.arguments.split(separator: " ")
        guard words.count >= 3, words[words.count - 2].lowercased() == "as" else { return nil }
        return String(words[words.count - 1])
    }

    /// The stage the image ends with: the last one.
    var runtimeStage: [Instruction] { stages.last ?? [] }
}

/// A RabbitMQ definitions file: the parts the deployment sets up.
struct BrokerDefinitions: Decodable {
    struct VirtualHost: Decodable {
        let name: String
    }

    struct User: Decodable {
        let name: String
        let password: String?
        let tags: String
    }

    struct Permission: Decodable {
        let user: String
        let vhost: String
        let configure: String
        let write: String
        let read: String
    }

    let vhosts: [VirtualHost]
    let users: [User]
    let permissions: [Permission]
}
