import Contracts
import EventStore
import Foundation
import Hummingbird

/// `GET /events?after=&limit=`: the whole event store in commit order, read-only (contract section 4.4).
public struct EventFeedController<Context: RequestContext>: Sendable {
    let database: AppDatabase
    public static var maxLimit: Int { 1000 }

    public init(database: AppDatabase) {
        self.database = database
    }

    public func register(on router: Router<Context>) {
        router.get("/events") { request, _ in
            let after = try request.integerQuery("after", default: 0, in: 0...Int.max)
            let limit = try request.integerQuery("limit", default: 100, in: 1...Self.maxLimit)
            let events = try await database.read { try $0.events(after: Int64(after), limit: limit) }
            let nextPosition = events.last?.position ?? Int64(after)
            // A full page may be followed by more; a shorter one reached the end of the store.
            let link = events.count == limit ? request.nextPageLink(["after": "\(nextPosition)", "limit": "\(limit)"]) : [:]
            return try EventListResponse(events: events, includePosition: true, nextPosition: nextPosition, headers: link)
        }
    }
}

/// A list of stored events as envelope bodies, written as raw JSON so payloads pass through untouched.
public struct EventListResponse: ResponseGenerator {
    let bodies: [Data]
    let nextPosition: Int64?
    let headers: HTTPFields

    public init(events: [StoredEvent], includePosition: Bool, nextPosition: Int64? = nil, headers: HTTPFields = [:]) throws {
        bodies = try events.map { try $0.envelope(includePosition: includePosition).body }
        self.nextPosition = nextPosition
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var json = Data(#"{"events":["#.utf8)
        for (index, body) in bodies.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(body)
        }
        json.append(UInt8(ascii: "]"))
        if let nextPosition { json.append(contentsOf: Array(#","nextPosition":\#(nextPosition)"#.utf8)) }
        json.append(UInt8(ascii: "}"))
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

extension Request {
    /// The first value of a header, matched case-insensitively; `nil` when absent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    /// A query parameter, `nil` when absent.
    public func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map(String.init)
    }

    /// A query parameter that is an id (already percent-decoded), `nil` when absent.
    /// - Throws: a 400 ``APIError`` (`invalid_parameter`) when it breaks the contract's id rule.
    public func idQuery(_ name: String) throws -> String? {
        guard let value = query(name) else { return nil }
        if let problem = Identifier.problem(with: value) {
            throw APIError(.badRequest, code: "invalid_parameter", message: "\(name) \(problem).")
        }
        return value
    }

    /// An integer query parameter within `range`, `defaultValue` when absent.
    /// - Throws: a 400 ``APIError`` naming the parameter when it is not such an integer.
    public func integerQuery(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = query(name) else { return defaultValue }
        guard let value = Int(String(text)), range.contains(value) else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }
}
