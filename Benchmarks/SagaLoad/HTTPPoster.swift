/// What the load generator needs of HTTP: POST a JSON body to a path of one service, get the
/// status and the body back. Two implementations, chosen with `--http`: `NIOConnectionPool`
/// (the default, the cheaper one measured on the 2-core machine) and `AsyncHTTPClientPoster`.
protocol HTTPPoster: Sendable {
    func post(_ path: String, json: String) async throws -> HTTPAnswer
    func shutdown() async
}

/// A response: the status code and the body's bytes.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: [UInt8]
}

/// `http://host:port` split into its parts (the load generator only talks plain HTTP).
struct HTTPEndpoint: Sendable, Hashable {
    var host: String
    var port: Int

    init(_ url: String) throws {
        var rest = Substring(url)
        guard rest.hasPrefix("http://") else { throw UsageError("\(url): only http:// URLs are supported") }
        rest = rest.dropFirst("http://".count)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        let parts = rest.split(separator: ":", maxSplits: 1)
        guard let host = parts.first, !host.isEmpty else { throw UsageError("\(url): no host") }
        self.host = String(host)
        if parts.count == 2 {
            guard let port = Int(parts[1]) else { throw UsageError("\(url): bad port") }
            self.port = port
        } else {
            self.port = 80
        }
    }
}
