import Foundation
import Hummingbird

/// An error answered in the contract's shape: `{"error": {"code": "snake_case", "message": "..."}}`.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder().encode(Body(error: .init(code: code, message: message)))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }
}

extension APIError {
    public static func invalid(_ message: String) -> APIError { APIError(.badRequest, code: "invalid_request", message: message) }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }
    public static func conflict(_ code: String = "conflict", _ message: String) -> APIError { APIError(.conflict, code: code, message: message) }
}
