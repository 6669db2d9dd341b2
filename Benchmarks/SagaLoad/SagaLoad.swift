import Foundation
import Logging
import Messaging
import NIOPosix

/// Drives the running system with orders and measures, per phase (one at a time, open loop at a
/// rate, saturated closed loop), the latency from `POST /orders` to the order's `OrderConfirmed`
/// on the broker, sagas per second, and the CPU per saga of each process named by `--pids`, of
/// itself and of the machine; then the services' resident memory at idle.
///
///     saga-load --pids order=…,payment=…,inventory=…,projection=…,broker=…
///     saga-load --phases open --open-orders 5000 --rate 250
///
/// `scripts/bench/saga-bench.sh` (`make bench-saga`) starts a private system and runs it.
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
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func poster(_ url: String) throws -> any HTTPPoster {
            let endpoint = try HTTPEndpoint(url)
            return options.http == "ahc"
                ? AsyncHTTPClientPoster(endpoint: endpoint, group: group) : NIOConnectionPool(endpoint: endpoint, group: group)
        }
        let (order, payment, inventory) = (try poster(options.orderURL), try poster(options.paymentURL), try poster(options.inventoryURL))
        let catalogue = Catalogue(customers: options.customers, skus: options.skus)
        say("seeding \(options.customers) accounts and \(options.skus) products (HTTP client: \(options.http))")
        try await catalogue.seed(payment: payment, inventory: inventory)

        let recorder = OutcomeRecorder()
        let listener = try await OutcomeListener.start(url: AMQPURL(options.amqpURL), recorder: recorder, logger: logger)
        let sweeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await recorder.sweep()
            }
        }
        let driver = PhaseDriver(placer: OrderPlacer(poster: order, catalogue: catalogue, recorder: recorder))
        let meter = CPUMeter(processes: options.pids)
        if options.warmup > 0 {
            say("warm-up: \(options.warmup) orders one at a time")
            await driver.sequential(count: options.warmup)
            _ = await meter.settle()
        }

        var results: [PhaseResult] = []
        for phase in options.phases {
            await recorder.reset()
            let (count, detail): (Int, [(String, String)]) = switch phase {
            case .sequential: (options.sequentialOrders, [])
            case .open: (options.openOrders, [("rate", f1(options.rate))])
            case .saturated: (options.saturatedOrders, [("concurrency", "\(options.concurrency)")])
            }
            say("\(phase.rawValue): \(count) orders" + detail.map { ", \($0.0) \($0.1)" }.joined())
            let start = meter.sample()
            switch phase {
            case .sequential: await driver.sequential(count: count)
            case .open: await driver.open(count: count, rate: options.rate)
            case .saturated: await driver.saturated(count: count, concurrency: options.concurrency)
            }
            _ = await recorder.waitUntilAllEnded(timeout: .seconds(120))
            let end = await meter.settle()
            let result = PhaseResult(
                phase: phase, requested: count, detail: detail, outcomes: await recorder.snapshot(),
                failedRequests: await recorder.failedRequests, cpu: CPUSpent(from: start, to: end),
                processNames: options.pids.map(\.name))
            print(result.resultLine)
            fflush(nil)
            results.append(result)
        }

        var idleRSS: [(name: String, kib: Int)] = []
        if !options.pids.isEmpty {
            say("waiting \(options.idleWait) s for idle, then reading VmRSS")
            let start = meter.sample()
            try? await Task.sleep(for: .seconds(options.idleWait))
            let idle = CPUSpent(from: start, to: meter.sample())
            idleRSS = options.pids.filter { $0.name != "broker" }.map { ($0.name, ProcFS.residentKiB(of: $0.pid) ?? 0) }
            // CPU at idle in % of one core: what every phase pays per second besides its sagas.
            let seconds = max(idle.window.milliseconds / 1000, 0.001)
            print(
                "RESULT phase=idle " + idleRSS.map { "rss_\($0.name)_mib=\(f1(Double($0.kib) / 1024))" }.joined(separator: " ") + " "
                    + options.pids.map { "idle_cpu_\($0.name)_pct=\(f1((idle.processes[$0.name] ?? 0) / 10 / seconds))" }.joined(separator: " "))
        }
        print(SummaryTable(results: results, idleRSS: idleRSS).render())

        sweeper.cancel()
        await listener.stop()
        for client in [order, payment, inventory] { await client.shutdown() }
        try? await group.shutdownGracefully()
    }

    static func say(_ text: String) {
        print("saga-load: \(text)")
        fflush(nil)
    }
}
