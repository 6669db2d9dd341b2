import EventSourcing

/// A payload that checks, after it was decoded from a message, that its values keep the contract's
/// rules (ids, bounds). A payload that does not is malformed: its message is parked, never handled.
public protocol ValidatedPayload {
    /// - Throws: ``PayloadViolation`` naming the first field that breaks a rule.
    func validate() throws(PayloadViolation)
}

/// A field of a payload that breaks the contract's rules.
public struct PayloadViolation: Error, CustomStringConvertible, Equatable {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field) \(reason)" }
}

/// The checks payloads are built from.
enum Check {
    static func id(_ value: String, _ field: String) throws(PayloadViolation) {
        if let problem = Identifier.problem(with: value) { throw PayloadViolation(field: field, reason: problem) }
    }

    static func range(_ value: Int, _ range: ClosedRange<Int>, _ field: String) throws(PayloadViolation) {
        guard range.contains(value) else {
            throw PayloadViolation(field: field, reason: "must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }

    static func count<T>(_ values: [T], atMost limit: Int, _ field: String) throws(PayloadViolation) {
        guard values.count <= limit else { throw PayloadViolation(field: field, reason: "must have at most \(limit) entries") }
    }

    static func lines(_ lines: [StockLine], _ field: String, allowEmpty: Bool = false) throws(PayloadViolation) {
        if !allowEmpty, lines.isEmpty { throw PayloadViolation(field: field, reason: "must not be empty") }
        try count(lines, atMost: Limits.maxOrderLines, field)
        for (index, line) in lines.enumerated() {
            try id(line.sku, "\(field)[\(index)].sku")
            try range(line.quantity, 1...Limits.maxLineQuantity, "\(field)[\(index)].quantity")
        }
    }

    static let amount = 0...Limits.maxOrderTotal
    static let balance = 0...Limits.maxBalance
    static let level = 0...Limits.maxStockLevel
}

// MARK: - Orders

extension OrderPlaced: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.id(customerId, "customerId")
        guard !items.isEmpty else { throw PayloadViolation(field: "items", reason: "must not be empty") }
        try Check.count(items, atMost: Limits.maxOrderLines, "items")
        var sum = 0
        for (index, item) in items.enumerated() {
            try Check.id(item.sku, "items[\(index)].sku")
            try Check.range(item.quantity, 1...Limits.maxLineQuantity, "items[\(index)].quantity")
            try Check.range(item.unitPrice, 0...Limits.maxUnitPrice, "items[\(index)].unitPrice")
            sum += item.quantity * item.unitPrice  // within the bounds just checked: at most maxOrderTotal
        }
        guard sum == total else { throw PayloadViolation(field: "total", reason: "must be the sum of the lines (\(sum)), not \(total)") }
    }
}

extension OrderConfirmed: ValidatedPayload {
    public func validate() throws(PayloadViolation) { try Check.id(orderId, "orderId") }
}

extension OrderCancelled: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.id(customerId, "customerId")
    }
}

// MARK: - Payments

extension PaymentAuthorized: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.id(customerId, "customerId")
        try Check.range(amount, Check.amount, "amount")
        try Check.lines(items, "items")
    }
}

extension PaymentDeclined: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.id(customerId, "customerId")
        try Check.range(amount, Check.amount, "amount")
    }
}

extension PaymentRefunded: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.id(customerId, "customerId")
        try Check.range(amount, Check.amount, "amount")
    }
}

extension AccountDeposited: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(customerId, "customerId")
        try Check.range(amount, 1...Limits.maxDeposit, "amount")
        try Check.range(balance, Check.balance, "balance")
    }
}

extension AccountDebited: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(customerId, "customerId")
        try Check.id(orderId, "orderId")
        try Check.range(amount, Check.amount, "amount")
        try Check.range(balance, Check.balance, "balance")
    }
}

extension AccountCredited: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(customerId, "customerId")
        try Check.id(orderId, "orderId")
        try Check.range(amount, Check.amount, "amount")
        try Check.range(balance, Check.balance, "balance")
    }
}

// MARK: - Inventory

extension InventoryReserved: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.lines(items, "items")
    }
}

extension InventoryReservationFailed: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        // A reservation refused because the order was cancelled first names no lines.
        try Check.lines(items, "items", allowEmpty: true)
        try Check.count(skus, atMost: Limits.maxOrderLines, "skus")
        for (index, sku) in skus.enumerated() { try Check.id(sku, "skus[\(index)]") }
    }
}

extension InventoryReleased: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(orderId, "orderId")
        try Check.lines(items, "items")
    }
}

extension ProductRestocked: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(sku, "sku")
        try Check.range(quantity, 1...Limits.maxRestock, "quantity")
        try Check.range(available, Check.level, "available")
        try Check.range(reserved, Check.level, "reserved")
    }
}

extension ProductStockCorrected: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(sku, "sku")
        try Check.range(quantity, -Limits.maxStockLevel...Limits.maxStockLevel, "quantity")
        try Check.range(available, Check.level, "available")
        try Check.range(reserved, Check.level, "reserved")
    }
}

extension ProductReserved: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(sku, "sku")
        try Check.id(orderId, "orderId")
        try Check.range(quantity, 1...Limits.maxStockLevel, "quantity")
        try Check.range(available, Check.level, "available")
        try Check.range(reserved, Check.level, "reserved")
    }
}

extension ProductReleased: ValidatedPayload {
    public func validate() throws(PayloadViolation) {
        try Check.id(sku, "sku")
        try Check.id(orderId, "orderId")
        try Check.range(quantity, 1...Limits.maxStockLevel, "quantity")
        try Check.range(available, Check.level, "available")
        try Check.range(reserved, Check.level, "reserved")
    }
}
