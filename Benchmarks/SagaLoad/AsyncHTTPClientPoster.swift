import AsyncHTTPClient
import NIOCore

/// The same POSTs through AsyncHTTPClient (its own connection pool, keep-alive), to compare its
/// CPU per request with `NIOConnectionPool` (`--http ahc`).
final class AsyncHTTPClientPoster: HTTPPoster {
    private let client: HTTPClient
    private let base: String

    init(endpoint: HTTPEndpoint, group: any EventLoopGroup) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        base = "http://\(endpoint.host):\(endpoint.port)"
    }

    func post(_ path: String, json: String) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: .seconds(30))
        var body = try await response.body.collect(upTo: 1 << 20)
        return HTTPAnswer(status: Int(response.status.code), body: body.readBytes(length: body.readableBytes) ?? [])
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
