/// One order line given as `SKU:QUANTITY:UNIT_PRICE` (price in minor units), e.g. `SKU-1:2:1250`.
///
/// The quantity and price are the last two fields, so a SKU may itself contain `:`.
public struct ItemSpec: Sendable, Equatable {
    public var sku: String
    public var quantity: Int
    public var unitPrice: Int

    public init(sku: String, quantity: Int, unitPrice: Int) {
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    /// - Throws: ``SagaCtlError`` (exit 1) saying which part is wrong.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3 else {
            throw SagaCtlError.invalidArgument("--item \(text) must be SKU:QUANTITY:UNIT_PRICE, e.g. SKU-1:2:1250.")
        }
        let sku = parts.dropLast(2).joined(separator: ":")
        guard !sku.isEmpty else { throw SagaCtlError.invalidArgument("--item \(text) has an empty SKU.") }
        guard let quantity = Int(parts[parts.count - 2]), quantity > 0 else {
            throw SagaCtlError.invalidArgument("--item \(text): the quantity must be a positive integer.")
        }
        guard let unitPrice = Int(parts[parts.count - 1]), unitPrice >= 0 else {
            throw SagaCtlError.invalidArgument("--item \(text): the unit price must be a non-negative integer of minor units.")
        }
        self.init(sku: sku, quantity: quantity, unitPrice: unitPrice)
    }

    /// The line as `POST /orders` takes it.
    public var json: JSONValue {
        .object(["sku": .string(sku), "quantity": .number(Double(quantity)), "unitPrice": .number(Double(unitPrice))])
    }
}
