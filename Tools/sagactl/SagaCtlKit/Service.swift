/// The four services `sagactl` talks to, with the `make run` default base URLs and the
/// environment variables that override them.
public enum Service: String, CaseIterable, Sendable, Codable {
    case order = "order-service"
    case payment = "payment-service"
    case inventory = "inventory-service"
    case projection = "projection-service"

    /// `localhost:8081` … `localhost:8084`, as `make run` starts them.
    public var defaultURL: String {
        switch self {
        case .order: "http://localhost:8081"
        case .payment: "http://localhost:8082"
        case .inventory: "http://localhost:8083"
        case .projection: "http://localhost:8084"
        }
    }

    /// `SAGACTL_ORDER_URL`, `SAGACTL_PAYMENT_URL`, `SAGACTL_INVENTORY_URL`, `SAGACTL_PROJECTION_URL`.
    public var environmentVariable: String {
        "SAGACTL_\(rawValue.split(separator: "-")[0].uppercased())_URL"
    }

    /// The short name (`order`) used by `--service`.
    public var shortName: String { String(rawValue.split(separator: "-")[0]) }

    /// A service by its short or full name.
    public init?(name: String) {
        guard let service = Service.allCases.first(where: { $0.shortName == name || $0.rawValue == name }) else { return nil }
        self = service
    }
}

/// Where the services are and the admin token, from flags first, then the environment, then the defaults.
public struct Endpoints: Sendable {
    public var urls: [Service: String]
    public var adminToken: String?

    public init(flags: [Service: String?], adminToken: String?, environment: [String: String]) {
        var urls: [Service: String] = [:]
        for service in Service.allCases {
            let chosen = flags[service].flatMap { $0 } ?? environment[service.environmentVariable] ?? service.defaultURL
            urls[service] = chosen.hasSuffix("/") ? String(chosen.dropLast()) : chosen
        }
        self.urls = urls
        self.adminToken = adminToken ?? environment["ADMIN_TOKEN"]
    }

    public func url(_ service: Service) -> String { urls[service] ?? service.defaultURL }
}
