/// What the customers did and were told succeeded: the expectations the invariants compare with.
struct SimulationLedger {
    struct PlacedOrder {
        var orderId: String
        var customer: String
        var lines: [(sku: String, quantity: Int, unitPrice: Int)]
    }

    var orders: [PlacedOrder] = []
    var deposits: [String: Int] = [:]
    var stock: [String: Int] = [:]

    /// `order#3`: how the schedule log names an order (its id changes from run to run).
    func label(ofOrder orderId: String) -> String {
        orders.firstIndex { $0.orderId == orderId }.map { "order#\($0 + 1)" } ?? orderId
    }
}
