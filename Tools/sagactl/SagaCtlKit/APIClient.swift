import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP answer: its status and body (JSON, or `.null` when empty).
public struct APIResponse: Sendable {
    public var status: Int
    public var body: JSONValue
    public var headers: [String: String]
}

/// JSON over HTTP to the services. Paths are given already encoded (see ``PathSegment``);
/// an answer outside 2xx becomes a ``SagaCtlError`` with the contract's code and message.
public struct APIClient: Sendable {
    public let endpoints: Endpoints
    private let session: URLSession

    public init(endpoints: Endpoints, timeout: TimeInterval = 15) {
        self.endpoints = endpoints
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        self.session = URLSession(configuration: configuration)
    }

    /// Sends the request and returns the answer when it is 2xx (or 304).
    /// - Throws: ``SagaCtlError``: unreachable (4), the mapped HTTP status, or a body that is not JSON (5).
    @discardableResult
    public func send(
        _ method: String, _ service: Service, _ path: String, query: [(String, String)] = [],
        body: JSONValue? = nil, admin: Bool = false, headers: [String: String] = [:]
    ) async throws -> APIResponse {
        let response = try await raw(method, service, path, query: query, body: body, admin: admin, headers: headers)
        guard (200..<300).contains(response.status) else {
            throw Self.failure(response, service: service, method: method, path: path)
        }
        return response
    }

    /// Sends the request and returns whatever it answered; throws only when the service is unreachable.
    public func raw(
        _ method: String, _ service: Service, _ path: String, query: [(String, String)] = [],
        body: JSONValue? = nil, admin: Bool = false, headers: [String: String] = [:]
    ) async throws -> APIResponse {
        var text = endpoints.url(service) + path
        if !query.isEmpty { text += "?" + PathSegment.query(query) }
        guard let url = URL(string: text) else {
            throw SagaCtlError.invalidArgument("\(text) is not a URL; check the --\(service.shortName)-url flag.")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONEncoder().encode(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if admin, let token = endpoints.adminToken {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let data: Data
        let answer: URLResponse
        do {
            (data, answer) = try await session.data(for: request)
        } catch {
            throw SagaCtlError(.unreachable, code: "unreachable", message:
                "\(service.rawValue) at \(endpoints.url(service)) did not answer \(method) \(path) (\(error.localizedDescription)).")
        }
        guard let http = answer as? HTTPURLResponse else {
            throw SagaCtlError(.serverError, code: "bad_response", message: "\(service.rawValue) did not answer with HTTP.")
        }
        var headerFields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headerFields[key.lowercased()] = value }
        }
        let json: JSONValue
        if data.isEmpty {
            json = .null
        } else if let decoded = try? JSONDecoder().decode(JSONValue.self, from: data) {
            json = decoded
        } else if path == "/metrics" {
            json = .string(String(decoding: data, as: UTF8.self))
        } else {
            throw SagaCtlError(.serverError, code: "bad_response", message:
                "\(service.rawValue) answered \(method) \(path) with \(http.statusCode) and a body that is not JSON.")
        }
        return APIResponse(status: http.statusCode, body: json, headers: headerFields)
    }

    /// The error of an answer outside 2xx: the contract's code and message when the body has them.
    public static func failure(_ response: APIResponse, service: Service, method: String, path: String) -> SagaCtlError {
        let error = response.body["error"]
        let code = error?["code"]?.stringValue ?? "http_\(response.status)"
        let message = error?["message"]?.stringValue ?? "\(service.rawValue) answered \(method) \(path) with \(response.status)."
        return SagaCtlError(ExitStatus(httpStatus: response.status), code: code, message: "\(service.rawValue): \(message)")
    }
}
