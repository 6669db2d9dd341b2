import Foundation

/// Places the orders: at a fixed rate (open loop: late responses do not slow the schedule), or
/// with a fixed number of requests in flight.
struct OrderDriver: Sendable {
    let client: JSONClient
    let options: LoadOptions
    let catalogue: Catalogue
    let recorder: OutcomeRecorder

    func run() async throws {
        if let rate = options.rate {
            try await runAtRate(rate)
        } else {
            try await runWithConcurrency(options.concurrency)
        }
    }

    private func runAtRate(_ rate: Double) async throws {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<options.orders {
                let due = start + .seconds(Double(index) / rate)
                try? await Task.sleep(until: due, clock: .continuous)
                group.addTask { await placeOne() }
            }
        }
    }

    private func runWithConcurrency(_ concurrency: Int) async throws {
        let counter = Counter(limit: options.orders)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while await counter.take() { await placeOne() }
                }
            }
        }
    }

    private func placeOne() async {
        let sentAt = ContinuousClock.now
        do {
            let (status, body) = try await client.post("\(options.orderURL)/orders", json: catalogue.randomOrder())
            guard status == 202, let orderId = body["orderId"] as? String else {
                await recorder.requestFailed()
                return
            }
            await recorder.placed(orderId, at: sentAt)
        } catch {
            await recorder.requestFailed()
        }
    }
}

/// Hands out `limit` tickets to the workers.
actor Counter {
    private var remaining: Int
    init(limit: Int) { remaining = limit }

    func take() -> Bool {
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }
}
