import Hummingbird
import ServiceKit

/// `POST /admin/rebuild` and the rebuilds' statuses (behind ``AdminAuthMiddleware``).
struct RebuildController: Sendable {
    let rebuilds: Rebuilds

    func register(on admin: RouterGroup<BasicRequestContext>) {
        admin.post("rebuild") { _, _ in
            switch rebuilds.start() {
            case .success(let status):
                return JSONResponse(.accepted, status, headers: [.location: "/admin/rebuild/\(status.rebuildId)"])
            case .failure(let conflict):
                throw APIError(.conflict, code: "rebuild_running", message: "Rebuild \(conflict.running.rebuildId) is still running.")
            }
        }
        admin.get("rebuild") { _, _ in
            JSONResponse(.ok, ["rebuilds": rebuilds.all])
        }
        admin.get("rebuild/:id") { _, context in
            let id = try context.parameters.id("id")
            guard let status = rebuilds.status(id) else { throw APIError.notFound("No rebuild \(id) since the service started.") }
            return JSONResponse(.ok, status)
        }
    }
}
