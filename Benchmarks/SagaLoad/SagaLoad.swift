import Foundation
import Logging
import Messaging

/// Drives the running system with orders and measures sagas per second and the latency from
/// `POST /orders` to the order's `OrderConfirmed` on the broker.
///
///     saga-load --orders 5000 --rate 250
///     saga-load --orders 10000 --concurrency 64     (as fast as it goes)
@main
struct SagaLoad {
    static func main() async {
        do {
            try await run(LoadOptions(arguments: Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("saga-load: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: LoadOptions) async throws {
        var logger = Logger(label: "saga-load")
        logger.logLevel = .warning
        let client = JSONClient()
        let catalogue = Catalogue(customers: options.customers, skus: options.skus)
        print("Seeding \(options.customers) accounts and \(options.skus) products…")
        try await catalogue.seed(client: client, options: options)

        let outcomes = OutcomeRecorder()
        let listener = try await OutcomeListener.start(url: AMQPURL(options.amqpURL), recorder: outcomes, logger: logger)
        defer { Task { await listener.stop() } }

        print("Placing \(options.orders) orders " + (options.rate.map { "at \($0)/s" } ?? "with \(options.concurrency) in flight") + "…")
        let started = ContinuousClock.now
        try await OrderDriver(client: client, options: options, catalogue: catalogue, recorder: outcomes).run()
        let placedIn = ContinuousClock.now - started
        let settled = await outcomes.waitUntilSettled(count: options.orders, timeout: .seconds(120))
        await listener.stop()
        Report(options: options, placedIn: placedIn, settled: settled, outcomes: await outcomes.snapshot()).print()
    }
}
