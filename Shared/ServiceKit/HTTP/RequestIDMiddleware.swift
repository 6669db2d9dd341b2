import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id: the client's `X-Request-Id` when it is a sane token, else a new
/// one. The id is echoed in the response's `X-Request-Id`, set on the request's logger and bound
/// for the whole request (``RequestID/current``), so every log line of it carries `request.id`,
/// errors included. Runs outside ``ErrorMiddleware``, so error answers carry it too.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    static var headerName: HTTPField.Name { HTTPField.Name(RequestID.headerName)! }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestID.accepted(request.headers[Self.headerName]) ?? RequestID.generate()
        var context = context
        context.logger[metadataKey: RequestID.metadataKey] = .string(id)
        return try await RequestID.$current.withValue(id) {
            do {
                var response = try await next(request, context)
                response.headers[Self.headerName] = id
                context.logger.debug("Request served", metadata: [
                    "http.method": "\(request.method)", "http.path": "\(request.uri.path)", "http.status": "\(response.status.code)",
                ])
                return response
            } catch var error as HTTPError {
                // Only what escaped ErrorMiddleware (nothing, normally) ends here: keep the id on it.
                error.headers[Self.headerName] = id
                throw error
            }
        }
    }
}
