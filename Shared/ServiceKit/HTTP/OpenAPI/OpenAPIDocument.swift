import Contracts

/// The OpenAPI 3.1 documents of the four services, compiled into every executable.
///
/// `docs/openapi/<service>.json` is the source; `scripts/openapi/generate.py` writes the JSON and
/// the `OpenAPIDocument+<service>.swift` files that hold its bytes as a string literal, and a test
/// checks that each literal is exactly its file. A string in the binary needs no resource bundle,
/// so a statically linked executable in a container image serves the same document.
public enum OpenAPIDocument {
    /// The document of `service`, as JSON text.
    public static func json(of service: ServiceName) -> String {
        switch service {
        case .order: orderService
        case .payment: paymentService
        case .inventory: inventoryService
        case .projection: projectionService
        }
    }
}
