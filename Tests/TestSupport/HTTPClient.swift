import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// MARK: - Response

/// An HTTP answer: status, headers (keys lowercased) and the raw body.
public struct HTTPResponse: Sendable, CustomStringConvertible {
    public let method: String
    public let url: String
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public init(method: String, url: String, status: Int, headers: [String: String], body: Data) {
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body parsed as generic JSON, nil if it is not JSON.
    public var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: body) }

    /// `error.code` of a contract error body (`{"error": {"code", "message"}}`), if any.
    public var errorCode: String? { json?["error"]?["code"]?.stringValue }

    /// Decodes the body; the error says what was received.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw HTTPClientError(
                "\(method) \(url) → \(status): cannot decode \(T.self) from body \(text.prefix(2000)) (\(error))")
        }
    }

    public var description: String { "\(method) \(url) → \(status) \(text.prefix(2000))" }
}

public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - Client

/// A small JSON-over-HTTP client on URLSession. One client per service base URL.
public final class HTTPClient: Sendable {
    public let baseURL: URL
    private let session: URLSession

    public init(baseURL: URL) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        self.session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// Sends a request with a raw body. `path` starts with `/` and may carry a query string.
    /// A transport failure (connection refused, timeout) throws; any HTTP status is returned.
    public func send(
        _ method: String,
        _ path: String,
        body: Data? = nil,
        headers: [String: String] = [:],
        timeout: TimeInterval = 30
    ) async throws -> HTTPResponse {
        guard let url = URL(string: baseURL.absoluteString + path) else {
            throw HTTPClientError("invalid URL \(baseURL.absoluteString + path)")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            let nsError = error as NSError
            throw HTTPClientError(
                "\(method) \(url.absoluteString) failed: \(error.localizedDescription) [\(nsError.domain) \(nsError.code)]")
        }
        guard let http = response as? HTTPURLResponse else {
            throw HTTPClientError("\(method) \(url.absoluteString): not an HTTP response")
        }
        var lowered: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            lowered[String(describing: key).lowercased()] = String(describing: value)
        }
        return HTTPResponse(method: method, url: url.absoluteString, status: http.statusCode, headers: lowered, body: data)
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPResponse {
        try await send("GET", path, headers: headers)
    }

    /// POSTs `value` encoded as JSON with `Content-Type: application/json`.
    public func post<Body: Encodable>(_ path: String, json value: Body, headers: [String: String] = [:]) async throws -> HTTPResponse {
        let data = try JSONEncoder().encode(value)
        var allHeaders = headers
        allHeaders["Content-Type"] = allHeaders["Content-Type"] ?? "application/json"
        return try await send("POST", path, body: data, headers: allHeaders)
    }

    /// POSTs a raw body with the given content type. With nil, an empty body goes out with no
    /// Content-Type, but URLSession labels a non-empty one `application/x-www-form-urlencoded`.
    public func post(_ path: String, raw body: String, contentType: String?, headers: [String: String] = [:]) async throws -> HTTPResponse {
        var allHeaders = headers
        if let contentType { allHeaders["Content-Type"] = contentType }
        return try await send("POST", path, body: Data(body.utf8), headers: allHeaders)
    }

    public func delete(_ path: String, headers: [String: String] = [:]) async throws -> HTTPResponse {
        try await send("DELETE", path, headers: headers)
    }
}

// MARK: - JSONValue

/// Any JSON value, for bodies whose exact shape the harness does not pin down (events, errors).
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var intValue: Int? { if case .int(let value) = self { value } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    public var isNull: Bool { self == .null }

    public var description: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "<unencodable>" }
        return String(decoding: data, as: UTF8.self)
    }
}
