import Hummingbird
import Logging

/// Turns every error into the contract's error shape; an unexpected one is logged and answered 500 without details.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try APIError(error.status, code: Self.code(for: error.status), message: Self.message(for: error))
                .response(from: request, context: context)
        } catch {
            context.logger.error("Request failed", metadata: [
                "http.method": "\(request.method)", "http.path": "\(request.uri.path)", "error": "\(error)",
            ])
            return try APIError(.internalServerError, code: "internal_error", message: "The request could not be completed.")
                .response(from: request, context: context)
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "body_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .conflict: "conflict"
        case .serviceUnavailable: "not_ready"
        default: status.code < 500 ? "bad_request" : "internal_error"
        }
    }

    static func message(for error: any HTTPResponseError) -> String {
        if let error = error as? HTTPError, let message = error.body { return message }
        switch error.status {
        case .notFound: return "No such resource."
        case .contentTooLarge: return "The request body is too large."
        default: return error.status.reasonPhrase
        }
    }
}
