import Foundation
import Hummingbird
import HummingbirdTesting

/// A service's real router, called in-process (no socket): what a customer and the invariant
/// checks see of it.
struct InProcessRoutes: Sendable {
    private let application: Application<RouterResponder<BasicRequestContext>>

    init(_ router: Router<BasicRequestContext>) {
        application = Application(router: router)
    }

    /// One request; the answer's status and body.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: Data? = nil) async throws -> (status: Int, body: Data) {
        let headers: HTTPFields = json == nil ? [:] : [.contentType: "application/json"]
        let body = json.map { ByteBuffer(bytes: $0) }
        return try await application.test(.router) { client in
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            return (Int(response.status.code), Data(response.body.readableBytesView))
        }
    }
}
