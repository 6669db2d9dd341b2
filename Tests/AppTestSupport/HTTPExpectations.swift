import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension TestClientProtocol {
    /// `GET uri`.
    public func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// `POST uri` with `json` as an `application/json` body (no body when `nil`).
    public func post(_ uri: String, json: String? = nil, headers: HTTPFields = [:], contentType: String? = "application/json") async throws -> TestResponse {
        var headers = headers
        if let contentType, json != nil { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: .post, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// `DELETE uri`.
    public func delete(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .delete, headers: headers)
    }
}

extension TestResponse {
    /// The body as text.
    public var text: String { String(buffer: body) }

    /// The body as JSON.
    public var json: JSONValue { JSONValue(data: Data(buffer: body)) }
}

extension HTTPFields {
    /// `Authorization: Bearer <token>`.
    public static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)"]
    }
}

/// Expects an error in the contract's shape: `status`, `Content-Type: application/json`, and a
/// body `{"error": {"code": code, "message": "a non-empty sentence"}}`.
public func expectContractError(
    _ response: TestResponse, _ status: HTTPResponse.Status, code: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "expected \(status.code) \(code): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "an error is JSON: \(response.headers)", sourceLocation: sourceLocation)
    let error = response.json["error"]
    #expect(error.keys == ["code", "message"], "the body is {\"error\": {\"code\", \"message\"}}: \(response.text)", sourceLocation: sourceLocation)
    #expect(error["code"].string == code, "error code: \(response.text)", sourceLocation: sourceLocation)
    #expect(error["message"].string?.isEmpty == false, "an error says what is wrong: \(response.text)", sourceLocation: sourceLocation)
}
