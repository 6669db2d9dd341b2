import Contracts
import Hummingbird

/// `GET /openapi.json`: the service's OpenAPI 3.1 document, byte for byte the repository's
/// `docs/openapi/<service>.json` (compiled in, see ``OpenAPIDocument``).
public struct OpenAPIController<Context: RequestContext>: Sendable {
    let document: String

    public init(service: ServiceName) {
        document = OpenAPIDocument.json(of: service)
    }

    public func register(on router: Router<Context>) {
        let document = document
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }
}
