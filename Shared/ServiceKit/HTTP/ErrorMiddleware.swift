import EventStore
import Hummingbird
import Logging

/// Turns every error into the contract's error shape; an unexpected one is logged and answered 500 without details.
///
/// A store that cannot be written (disk full, read-only, I/O error) or is busy is a `503` with
/// `Retry-After`, never a 500; a concurrency conflict that survived its retries is a `409`.
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
        } catch EventStoreError.concurrencyConflict {
            return try APIError.conflict("concurrency_conflict", "Another change to the same resource won the race; try again.")
                .response(from: request, context: context)
        } catch let error as StoreBusyError {
            return try Self.unavailable("store_busy", "\(error); try again later.", request: request, context: context)
        } catch {
            if let reason = StoreHealth.storeFailureReason(error) {
                context.logger.warning("Request refused: the store cannot be written", metadata: [
                    "http.method": "\(request.method)", "http.path": "\(request.uri.path)", "store.reason": "\(reason)",
                ])
                return try Self.unavailable(
                    "store_unavailable", "The store cannot be written right now (\(reason)); try again later.",
                    request: request, context: context)
            }
            context.logger.error("Request failed", metadata: [
                "http.method": "\(request.method)", "http.path": "\(request.uri.path)", "error": "\(error)",
            ])
            return try APIError(.internalServerError, code: "internal_error", message: "The request could not be completed.")
                .response(from: request, context: context)
        }
    }

    /// A 503 in the contract's shape that tells the client when to come back.
    private static func unavailable(_ code: String, _ message: String, request: Request, context: Context) throws -> Response {
        var response = try APIError(.serviceUnavailable, code: code, message: message).response(from: request, context: context)
        response.headers[.retryAfter] = "1"
        return response
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
