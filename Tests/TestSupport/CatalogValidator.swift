import Foundation

/// The event catalog's checker, `Tests/Catalog/validate`: python-jsonschema (2020-12) in a pinned
/// virtualenv under `.build-catalog/`, created on first use. Tests hand it what the code produced
/// and read its report; see docs/EVENTS.md.
public enum CatalogValidator {
    /// One thing the catalog rejected (or, for a case expected to be invalid, accepted).
    public struct Failure: Decodable, Sendable, CustomStringConvertible {
        public var label: String
        public var errors: [String]
        public var description: String { "\(label):\n  " + errors.joined(separator: "\n  ") }
    }

    /// What one run checked and what failed.
    public struct Report: Decodable, Sendable {
        public var checked: Int
        public var failures: [Failure]
        /// Every failure, one block each, for an expectation's message.
        public var summary: String { failures.map(\.description).joined(separator: "\n") }
    }

    /// The package root, found from this file's path (`Tests/TestSupport/`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `docs/events`: asyncapi.yaml and schemas/.
    public static var documents: URL { packageRoot.appendingPathComponent("docs/events", isDirectory: true) }

    /// Validates `cases` (each a message, a payload against a named schema, or a value against a
    /// named AsyncAPI component; Tests/Catalog/validate.py says their shape).
    /// - Throws: ``CatalogValidatorError`` when the checker could not run.
    public static func validate(cases: [JSONValue]) async throws -> Report {
        let input = try temporaryFile("cases")
        defer { try? FileManager.default.removeItem(at: input) }
        try JSONEncoder().encode(cases).write(to: input)
        return try await run(["cases", input.path])
    }

    /// Checks the documents themselves (meta-schemas, the AsyncAPI 3.0.0 schema, every `$ref`)
    /// and, given the code's own account of its events and topology, that they agree with it.
    /// - Throws: ``CatalogValidatorError`` when the checker could not run.
    public static func checkDocuments(codeCatalog: JSONValue?) async throws -> Report {
        guard let codeCatalog else { return try await run(["documents"]) }
        let input = try temporaryFile("code-catalog")
        defer { try? FileManager.default.removeItem(at: input) }
        try JSONEncoder().encode(codeCatalog).write(to: input)
        return try await run(["documents", "--code-catalog", input.path])
    }

    private static func run(_ arguments: [String]) async throws -> Report {
        let report = try temporaryFile("report")
        defer { try? FileManager.default.removeItem(at: report) }
        let script = packageRoot.appendingPathComponent("Tests/Catalog/validate").path
        let (status, output) = try await runProcess(script, ["--report", report.path] + arguments)
        guard status == 0 || status == 1, let data = try? Data(contentsOf: report), !data.isEmpty else {
            throw CatalogValidatorError(description: "Tests/Catalog/validate \(arguments.joined(separator: " ")) exited \(status):\n\(output.suffix(4000))")
        }
        return try JSONDecoder().decode(Report.self, from: data)
    }

    private static func temporaryFile(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(name)-\(UUID().uuidString).json")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CatalogValidatorError(description: "cannot create \(url.path)")
        }
        return url
    }
}

/// The catalog's checker could not run (no python3, no virtualenv, a broken document).
public struct CatalogValidatorError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
