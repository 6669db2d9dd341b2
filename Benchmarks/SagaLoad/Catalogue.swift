/// The customers and products the load uses, funded and stocked so that every order can succeed.
struct Catalogue: Sendable {
    let customers: [String]
    let skus: [String]

    init(customers: Int, skus: Int) {
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.customers = (0..<customers).map { "load-\(run)-c\($0)" }
        self.skus = (0..<skus).map { "LOAD-\(run)-\($0)" }
    }

    func seed(client: JSONClient, options: LoadOptions) async throws {
        for customer in customers {
            let (status, _) = try await client.post("\(options.paymentURL)/accounts/\(customer)/deposits", json: ["amount": 1_000_000_000_000])
            guard status == 200 else { throw UsageError("deposit for \(customer) answered \(status)") }
        }
        for sku in skus {
            let (status, _) = try await client.post("\(options.inventoryURL)/products/\(sku)/restock", json: ["quantity": 1_000_000_000])
            guard status == 200 else { throw UsageError("restock of \(sku) answered \(status)") }
        }
    }

    /// A random order of one to three lines.
    func randomOrder() -> [String: Any] {
        let lines = (0..<Int.random(in: 1...3)).map { _ in
            ["sku": skus.randomElement()!, "quantity": Int.random(in: 1...3), "unitPrice": Int.random(in: 100...5000)] as [String: Any]
        }
        return ["customerId": customers.randomElement()!, "currency": "USD", "items": lines]
    }
}
