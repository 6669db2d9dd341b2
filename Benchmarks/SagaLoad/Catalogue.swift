/// The customers and products the load uses, funded and stocked so that every order can succeed.
/// Bodies are written as JSON text directly: the client should cost the machine as little as it can.
struct Catalogue: Sendable {
    let customers: [String]
    let skus: [String]

    init(customers: Int, skus: Int) {
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.customers = (0..<customers).map { "load-\(run)-c\($0)" }
        self.skus = (0..<skus).map { "LOAD-\(run)-\($0)" }
    }

    func seed(payment: any HTTPPoster, inventory: any HTTPPoster) async throws {
        for customer in customers {
            let answer = try await payment.post("/accounts/\(customer)/deposits", json: #"{"amount":1000000000000}"#)
            guard answer.status == 200 else { throw UsageError("deposit for \(customer) answered \(answer.status)") }
        }
        for sku in skus {
            let answer = try await inventory.post("/products/\(sku)/restock", json: #"{"quantity":1000000000}"#)
            guard answer.status == 200 else { throw UsageError("restock of \(sku) answered \(answer.status)") }
        }
    }

    /// A random order of one to three lines, as the body of `POST /orders`.
    func randomOrder() -> String {
        let lines = (0..<Int.random(in: 1...3)).map { _ in
            #"{"sku":"\#(skus.randomElement()!)","quantity":\#(Int.random(in: 1...3)),"unitPrice":\#(Int.random(in: 100...5000))}"#
        }
        return #"{"customerId":"\#(customers.randomElement()!)","currency":"USD","items":[\#(lines.joined(separator: ","))]}"#
    }
}

/// Reads `orderId` out of the body of a `202` to `POST /orders` (`{"orderId":"…","status":"PENDING"}`)
/// without a JSON decoder: a scan for the key and the string after it.
enum OrderIdScanner {
    private static let key = Array(#""orderId""#.utf8)

    static func orderId(in body: [UInt8]) -> String? {
        guard body.count > key.count else { return nil }
        var index = 0
        while index + key.count <= body.count {
            if body[index] == key[0], body[index..<index + key.count].elementsEqual(key) { break }
            index += 1
        }
        index += key.count
        while index < body.count, body[index] == UInt8(ascii: " ") || body[index] == UInt8(ascii: ":") { index += 1 }
        guard index < body.count, body[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        guard let end = body[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: body[start..<end], as: UTF8.self)
    }
}
