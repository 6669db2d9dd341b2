import Contracts
import EventSourcing

/// Where the stock reservation of an order stands.
public enum ReservationStatus: String, Codable, Sendable, Equatable {
    case reserved = "RESERVED"
    case failed = "FAILED"
    case released = "RELEASED"
}

/// The stock reservation of one order (its stream id is the order id, its stream kind `Inventory`).
public struct Reservation: Aggregate, Equatable {
    public static let aggregateType = "Inventory"
    public static let initial = Reservation()

    /// `nil` until the inventory-service has handled the order.
    public private(set) var status: ReservationStatus?
    public private(set) var orderId = ""
    public private(set) var items: [StockLine] = []

    public func evolve(with event: ReservationEvent) -> Reservation {
        var reservation = self
        switch event {
        case .reserved(let reserved):
            reservation.status = .reserved
            reservation.orderId = reserved.orderId
            reservation.items = reserved.items
        case .failed(let failed):
            reservation.status = .failed
            reservation.orderId = failed.orderId
            reservation.items = failed.items
        case .released:
            reservation.status = .released
        }
        return reservation
    }
}

/// What the inventory-service decided for an order: the reservation's events and each product's,
/// keyed by SKU byte for byte (``IdentifierKey``: `café` in NFC and in NFD are two products).
public struct ReservationDecision: Equatable, Sendable {
    public var reservation: [ReservationEvent] = []
    public var products: [IdentifierKey: [ProductEvent]] = [:]

    public init(reservation: [ReservationEvent] = [], products: [IdentifierKey: [ProductEvent]] = [:]) {
        self.reservation = reservation
        self.products = products
    }
}

extension Reservation {
    /// Happy path: hold every line of a paid order, all or nothing.
    /// Compensation: when any line is unknown or short, hold nothing and say why.
    /// An order already handled changes nothing.
    /// - Parameter products: the current state of every product the order names (missing = unknown).
    /// - Throws: ``ProductError`` only if a product breaks its own rules, which the checks here rule out.
    public func reserve(orderId: String, items: [StockLine], products: [IdentifierKey: Product]) throws(ProductError) -> ReservationDecision {
        guard status == nil else { return ReservationDecision() }
        let demand = try Self.unitsPerSku(items)
        let unknown = demand.keys.filter { products[$0]?.exists != true }.sorted()
        let short = demand.filter { sku, quantity in (products[sku].map { $0.exists && $0.available < quantity }) ?? false }
            .keys.sorted()
        if !unknown.isEmpty || !short.isEmpty {
            return ReservationDecision(reservation: [.failed(InventoryReservationFailed(
                orderId: orderId, items: items,
                reason: unknown.isEmpty ? .insufficientStock : .unknownSku, skus: (unknown + short).map(\.id)
            ))])
        }
        var productEvents: [IdentifierKey: [ProductEvent]] = [:]
        for (sku, quantity) in demand {
            guard let product = products[sku] else { throw .notFound(sku: sku.id) }
            productEvents[sku] = try product.reserve(orderId: orderId, quantity: quantity)
        }
        return ReservationDecision(
            reservation: [.reserved(InventoryReserved(orderId: orderId, items: items))],
            products: productEvents
        )
    }

    /// Compensation: return what is held for the order. Nothing held changes nothing.
    /// - Parameter products: the current state of every product the reservation holds.
    /// - Throws: ``ProductError`` when a held product is missing or holds less than the reservation (a broken store).
    public func release(products: [IdentifierKey: Product]) throws(ProductError) -> ReservationDecision {
        guard status == .reserved else { return ReservationDecision() }
        let held = try Self.unitsPerSku(items)
        var productEvents: [IdentifierKey: [ProductEvent]] = [:]
        for (sku, quantity) in held {
            guard let product = products[sku] else { throw .notFound(sku: sku.id) }
            productEvents[sku] = try product.release(orderId: orderId, quantity: quantity)
        }
        return ReservationDecision(
            reservation: [.released(InventoryReleased(orderId: orderId, items: items))],
            products: productEvents
        )
    }
}

extension Reservation {
    /// The units per SKU of `lines` (a SKU may appear on several lines; SKUs are compared byte for byte).
    /// - Throws: ``ProductError/invalid(field:reason:)`` when a sum would overflow.
    static func unitsPerSku(_ lines: [StockLine]) throws(ProductError) -> [IdentifierKey: Int] {
        var units: [IdentifierKey: Int] = [:]
        for line in lines {
            let sku = IdentifierKey(line.sku)
            guard let sum = units[sku, default: 0].adding(line.quantity) else {
                throw .invalid(field: "items", reason: "the quantities of \(line.sku) add up beyond any integer")
            }
            units[sku] = sum
        }
        return units
    }
}

extension Reservation {
    /// Compensation for a cancelled order: release what is held; if nothing was reserved yet,
    /// remember the cancellation (a failed reservation) so that a late `PaymentAuthorized` holds nothing.
    public func cancel(orderId: String, products: [IdentifierKey: Product]) throws(ProductError) -> ReservationDecision {
        switch status {
        case nil:
            ReservationDecision(reservation: [.failed(InventoryReservationFailed(
                orderId: orderId, items: [], reason: .orderCancelled, skus: []
            ))])
        case .reserved:
            try release(products: products)
        case .failed, .released:
            ReservationDecision()
        }
    }
}
