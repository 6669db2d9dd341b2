import ConsoleAssets
import Hummingbird
import ServiceKit

/// `GET /console` and `GET /console/<file>`: the operator's web console, served from the bytes
/// compiled into the binary (``ConsoleAssets``).
///
/// The page talks only to this service (same origin): the read API, its own
/// `/admin/dead-letters` and the other services' dead letters through ``SourceAdminProxy``.
/// The Content-Security-Policy allows nothing but this origin: no inline script, no external URL.
struct ConsoleController: Sendable {
    /// Scripts, styles, images and requests from this origin only; no inline script, no framing.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console") { _, _ in try Self.serve(ConsoleAssets.indexName) }
        router.get("/console/:file") { _, context in
            try Self.serve(context.parameters.get("file") ?? "")
        }
    }

    /// The asset called `name` with its content type and the security headers; 404 when there is none.
    static func serve(_ name: String) throws -> Response {
        guard let asset = ConsoleAssets.asset(named: name) else {
            throw APIError.notFound("The console has no file \(name).")
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
