import Contracts
import Foundation
import Hummingbird
import PercentEncoding

/// The largest request body any endpoint accepts.
public let maxRequestBodyBytes = 64 * 1024

extension Request {
    /// Decodes a JSON body of type `T`, answering 415, 413 or 400 in the contract's shape when it
    /// cannot; a number written with a fraction or an exponent (`1.0`, `1e3`), wherever it stands,
    /// is a 400 `invalid_field`.
    public mutating func decodeJSON<T: Decodable>(as type: T.Type) async throws -> T {
        let contentType = headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "Content-Type must be application/json.")
        }
        let buffer = try await collectBody(upTo: maxRequestBodyBytes)
        let data = Data(buffer: buffer)
        let value: T
        do {
            value = try JSONCoding.decoder().decode(T.self, from: data)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "The body is not valid: \(JSONCoding.describe(error)).")
        }
        // Every number a body carries is an integer, and is written as one (docs/API.md, "Numbers").
        if let number = JSONIntegerLiterals.firstNonInteger(in: data) {
            throw APIError(.badRequest, code: "invalid_field", message:
                "\(number.path) must be an integer written without a fraction or an exponent, not \(number.literal) (amounts are in minor units).")
        }
        return value
    }
}

/// A JSON response with a status and optional extra headers.
public struct JSONResponse<Body: Encodable & Sendable>: ResponseGenerator {
    public var status: HTTPResponse.Status
    public var body: Body
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status = .ok, _ body: Body, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = try JSONCoding.encoder().encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Parameters {
    /// A path parameter that is an id: percent-decoded byte for byte (`caf%C3%A9` is `café`,
    /// `a%2Fb` is `a/b`, a leading `%EF%BB%BF` stays U+FEFF), then held to the contract's rule,
    /// 1 to 128 bytes of UTF-8 without control characters.
    /// - Throws: a 400 ``APIError`` (`invalid_id`) naming the parameter and what is wrong.
    public func id(_ name: String) throws -> String {
        guard let raw = get(name), let value = PercentDecoding.decode(raw) else {
            throw APIError(.badRequest, code: "invalid_id", message: "\(name) is not a valid percent-encoded UTF-8 string.")
        }
        if let problem = Identifier.problem(with: value) {
            throw APIError(.badRequest, code: "invalid_id", message: "\(name) \(problem).")
        }
        return value
    }
}
