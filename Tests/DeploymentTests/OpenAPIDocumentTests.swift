import Contracts
import Foundation
import ServiceKit
import Testing

/// The OpenAPI documents compiled into the executables (and so into the container image) are
/// exactly the repository's `docs/openapi/<service>.json`: `scripts/openapi/generate.py` writes
/// both, and this fails when one was edited without the other.
@Suite("OpenAPI documents")
struct OpenAPIDocumentTests {
    @Test(arguments: ServiceName.allCases)
    func compiledDocumentIsTheRepositoryFileByteForByte(_ service: ServiceName) throws {
        let file = try Data(contentsOf: Self.documentURL(service))
        #expect(Data(OpenAPIDocument.json(of: service).utf8) == file,
                "run scripts/openapi/generate.py: the compiled document of \(service.rawValue) is not docs/openapi/\(service.rawValue).json")
    }

    @Test(arguments: ServiceName.allCases)
    func documentIsOpenAPI31NamedAfterItsService(_ service: ServiceName) throws {
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json(of: service).utf8)) as? [String: Any]
        #expect(document?["openapi"] as? String == "3.1.0")
        #expect((document?["info"] as? [String: Any])?["title"] as? String == service.rawValue)
        let paths = document?["paths"] as? [String: Any] ?? [:]
        for path in ["/openapi.json", "/health", "/ready", "/metrics", "/admin/dead-letters"] {
            #expect(paths[path] != nil, "\(service.rawValue) documents \(path)")
        }
        #expect((paths["/events"] != nil) == (service.exchange != nil), "the sources document their event feed")
    }

    static func documentURL(_ service: ServiceName) throws -> URL {
        URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "docs/openapi/\(service.rawValue).json")
    }
}
