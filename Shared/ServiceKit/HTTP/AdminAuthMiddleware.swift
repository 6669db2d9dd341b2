import Hummingbird

/// Guards `/admin/…`: `Authorization: Bearer <ADMIN_TOKEN>` is required (401 when missing or
/// wrong); with no token configured, admin is off (403).
///
/// A router middleware, added by ``ServiceRuntime/makeRouter()`` before any route, that guards
/// every path whose first segment is `admin`, whether a route answers it or not and whatever the
/// method: a caller without the token gets the same 401 for `/admin/dead-letters` and for
/// `/admin/no/such/thing`, so it cannot learn which admin paths exist. The path is split as the
/// router splits it (empty segments skipped), so `//admin/dead-letters` is guarded like
/// `/admin/dead-letters`, the route it reaches.
public struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    public init(token: String?) {
        self.token = token
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.guards(path: request.uri.path) else { return try await next(request, context) }
        guard let token else {
            throw APIError(.forbidden, code: "admin_disabled", message: "Admin endpoints are off: ADMIN_TOKEN is not set.")
        }
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "),
              constantTimeEquals(String(header.dropFirst("Bearer ".count)), token) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "A valid bearer token is required.")
        }
        return try await next(request, context)
    }

    /// Whether `path` is under `/admin`: its first non-empty segment is `admin` (the router matches
    /// segments case-sensitively and skips empty ones, and so does this).
    static func guards(path: String) -> Bool {
        let rest = path.drop { $0 == "/" }
        return rest.prefix { $0 != "/" } == "admin"
    }

    /// Compares without stopping at the first difference, so timing does not reveal the token.
    private func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let left = Array(left.utf8)
        let right = Array(right.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}
