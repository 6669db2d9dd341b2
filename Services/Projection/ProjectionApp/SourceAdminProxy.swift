import Contracts
import Foundation
import Hummingbird
import ServiceKit

/// `/admin/services/<service>/dead-letters…`: the dead-letter routes of order-, payment- and
/// inventory-service, forwarded from the console's origin to the base URLs of `SOURCE_URLS`.
///
/// Registered behind this service's ``AdminAuthMiddleware``, so only a holder of the admin token
/// reaches it; the request's own `Authorization` header is forwarded and the source checks it
/// again. The proxy holds no credential of its own and is not open: the service must be one of
/// the three sources, the path one of the five dead-letter routes (the id re-encoded), the query
/// only the listing's and the bulk operations' parameters, re-encoded. The source's answer
/// (status, JSON body) comes back as it is; a source that does not answer is a 502.
/// See docs/CONSOLE.md for why a proxy rather than CORS.
struct SourceAdminProxy: Sendable {
    /// Where each source's HTTP API is.
    let baseURLs: [ServiceName: URL]
    /// How long one forwarded request may take (a bulk replay can take a while).
    var timeout: TimeInterval = 60

    /// The query parameters the dead-letter routes read; others are not forwarded.
    static let forwardedParameters: Set<String> = ["eventType", "reason", "source", "parkedAfter", "parkedBefore", "all", "limit", "cursor"]

    /// The sources of `SOURCE_URLS`, in the order projection-service reads them.
    init(sourceURLs: [String]) {
        var urls: [ServiceName: URL] = [:]
        for (source, text) in zip(ProjectionSources.all, sourceURLs) {
            if let url = URL(string: text) { urls[source] = url }
        }
        baseURLs = urls
    }

    func register(on admin: RouterGroup<BasicRequestContext>) {
        admin.get("services/:service/dead-letters") { request, context in
            try await forward(.get, request, context, path: "")
        }
        admin.post("services/:service/dead-letters/replay") { request, context in
            try await forward(.post, request, context, path: "/replay")
        }
        admin.delete("services/:service/dead-letters") { request, context in
            try await forward(.delete, request, context, path: "")
        }
        admin.post("services/:service/dead-letters/:id/replay") { request, context in
            try await forward(.post, request, context, path: "/\(Self.percentEncoded(try context.parameters.id("id")))/replay")
        }
        admin.delete("services/:service/dead-letters/:id") { request, context in
            try await forward(.delete, request, context, path: "/\(Self.percentEncoded(try context.parameters.id("id")))")
        }
    }

    /// Sends `method` to `<source>/admin/dead-letters<path>?<allowed query>` and answers what the source answered.
    private func forward(_ method: HTTPRequest.Method, _ request: Request, _ context: BasicRequestContext, path: String) async throws -> Response {
        let name = context.parameters.get("service") ?? ""
        guard let service = ServiceName(rawValue: name), let base = baseURLs[service] else {
            let known = ProjectionSources.all.map(\.rawValue).joined(separator: ", ")
            throw APIError.notFound("No source service \(name.isEmpty ? "(empty)" : name): the console reaches \(known).")
        }
        guard let url = Self.url(base: base, path: path, query: request.uri.queryParameters) else {
            throw APIError.invalid("The dead-letter request cannot be forwarded to \(service.rawValue).")
        }
        var forwarded = [("Accept", "application/json")]
        if let authorization = request.headers[.authorization] { forwarded.append(("Authorization", authorization)) }
        let answer: SourceHTTP.Answer
        do {
            answer = try await SourceHTTP.send(.init(rawValue: method.rawValue), to: url, headers: forwarded, timeout: timeout)
        } catch {
            context.logger.warning("Source did not answer a forwarded dead-letter request", metadata: [
                "proxy.source": "\(service.rawValue)", "http.method": "\(method.rawValue)", "error": "\(error)",
            ])
            throw APIError(.badGateway, code: "source_unavailable", message:
                "\(service.rawValue) did not answer \(method.rawValue) \(url.path): \(error)")
        }
        context.logger.debug("Forwarded a dead-letter request", metadata: [
            "proxy.source": "\(service.rawValue)", "http.method": "\(method.rawValue)", "http.status": "\(answer.status)",
        ])
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType ?? "application/json"
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// `<base>/admin/dead-letters<path>` with the allowed parameters of `query`, each percent-encoded.
    static func url(base: URL, path: String, query: Parameters) -> URL? {
        var pairs: [String] = []
        for (name, value) in query where forwardedParameters.contains(String(name)) {
            pairs.append("\(name)=\(percentEncoded(String(value)))")
        }
        let root = base.absoluteString.hasSuffix("/") ? String(base.absoluteString.dropLast()) : base.absoluteString
        return URL(string: root + "/admin/dead-letters" + path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")))
    }

    /// `value` as one path segment or query value: every byte of its UTF-8 but the unreserved
    /// ones percent-encoded, byte for byte (an id is its bytes: a leading U+FEFF stays).
    static func percentEncoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count * 3)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
