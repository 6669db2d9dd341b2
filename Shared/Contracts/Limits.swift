/// The numeric bounds of the system, shared by the HTTP API, the domains and the checks on every
/// incoming event: within them no sum or product of amounts or quantities can overflow.
public enum Limits {
    /// Lines in one order.
    public static let maxOrderLines = 100
    /// Units of one line of an order.
    public static let maxLineQuantity = 1_000_000
    /// Price of one unit, in minor units.
    public static let maxUnitPrice = 1_000_000_000
    /// The largest order total: every line at the largest quantity and price (10^17, far below `Int.max`).
    public static let maxOrderTotal = maxOrderLines * maxLineQuantity * maxUnitPrice
    /// One deposit, in minor units.
    public static let maxDeposit = 1_000_000_000_000
    /// A balance, in minor units.
    public static let maxBalance = 1_000_000_000_000_000
    /// Units added by one restock.
    public static let maxRestock = 1_000_000_000
    /// A product's available or reserved level.
    public static let maxStockLevel = 1_000_000_000_000
    /// A product's name, in characters.
    public static let maxNameLength = 200
    /// An operator's free-text reason, in characters.
    public static let maxReasonLength = 500
}
