/// The reads the invariant checks make of the whole system: over HTTP for a running one
/// (``SagaSystem``), in-process for a simulated one.
public protocol SagaReads: Sendable {
    /// order-service `GET /orders/{id}`; nil on 404.
    func order(_ orderId: String) async throws -> Order?
    /// payment-service `GET /payments/{orderId}`; nil on 404.
    func payment(orderId: String) async throws -> Payment?
    /// payment-service `GET /accounts/{customerId}`; nil on 404.
    func account(_ customerId: String) async throws -> Account?
    /// inventory-service `GET /products/{sku}`; nil on 404.
    func product(_ sku: String) async throws -> Product?
    /// projection-service `GET /orders/{id}`; nil on 404.
    func projectedOrder(_ orderId: String) async throws -> ProjectedOrder?
    /// projection-service `GET /customers/{id}`; nil on 404.
    func projectedCustomer(_ customerId: String) async throws -> ProjectedCustomer?
    /// projection-service `GET /orders?status=&customerId=`, every page of `pageSize`.
    func projectedOrderList(status: OrderStatus?, customerId: String?, pageSize: Int) async throws -> [ProjectedOrder]
    /// projection-service `GET /products`.
    func projectedProducts() async throws -> [ProjectedProduct]
}

extension SagaSystem: SagaReads {
    public func projectedOrderList(status: OrderStatus?, customerId: String?, pageSize: Int) async throws -> [ProjectedOrder] {
        try await allProjectedOrders(status: status, customerId: customerId, pageSize: pageSize)
    }
}

extension InvariantChecker {
    /// The violations of I1–I7 in ONE read of `system`, with no waiting and no issue recorded:
    /// for a system that is quiet by construction (the simulation drains it first).
    public static func violations(
        in system: some SagaReads, orderIds: [String], deposits: [String: Int], stock: [String: Int],
        placed: [String: PlaceOrderRequest] = [:]
    ) async -> [InvariantViolation] {
        let input = Input(orderIds: orderIds, deposits: deposits, stock: stock, placed: placed)
        return evaluate(await Snapshot.read(system: system, input: input), input)
    }
}
