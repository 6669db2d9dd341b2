import Hummingbird

/// Guards `/admin/…`: `Authorization: Bearer <ADMIN_TOKEN>` is required (401 when missing or
/// wrong); with no token configured, admin is off (403).
public struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    public init(token: String?) {
        self.token = token
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else {
            throw APIError(.forbidden, code: "admin_disabled", message: "Admin endpoints are off: ADMIN_TOKEN is not set.")
        }
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer "),
              constantTimeEquals(String(header.dropFirst("Bearer ".count)), token) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "A valid bearer token is required.")
        }
        return try await next(request, context)
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
