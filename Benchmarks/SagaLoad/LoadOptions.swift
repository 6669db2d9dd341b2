/// Command-line options of the load generator (`saga-load --help` prints them).
struct LoadOptions: Sendable {
    var phases: [Phase] = Phase.allCases
    var sequentialOrders = 300
    var openOrders = 5000
    var rate = 250.0
    var saturatedOrders = 10000
    var concurrency = 128
    /// Orders placed one at a time before the first phase, not counted (connections, caches).
    var warmup = 50
    var customers = 50
    var skus = 20
    var http = "nio"
    /// Processes whose CPU is counted, `name=pid`; the one named `broker` is the broker.
    var pids: [(name: String, pid: Int32)] = []
    /// Seconds to wait after the last phase before reading the services' resident memory.
    var idleWait = 5
    var orderURL = "http://127.0.0.1:8081"
    var paymentURL = "http://127.0.0.1:8082"
    var inventoryURL = "http://127.0.0.1:8083"
    var amqpURL = "amqp://guest:guest@127.0.0.1:5672/"

    static let usage = """
        saga-load [options]: drives the running saga services and prints, per phase, placed → confirmed
        latencies, sagas/s and CPU per saga (one `RESULT phase=… key=value …` line each), then a table.
          --phases LIST            sequential,open,saturated (default: all three, in that order)
          --sequential-orders N    one at a time, each waiting for its saga (default 300)
          --open-orders N          open loop at --rate (default 5000)
          --rate R                 orders per second of the open loop (default 250)
          --saturated-orders N     closed loop with --concurrency sagas in flight (default 10000)
          --concurrency N          sagas in flight in the closed loop (default 128)
          --warmup N               uncounted orders before the first phase (default 50; 0 for none)
          --pids name=pid,...      processes whose CPU (/proc/PID/stat) is counted; name one `broker`
          --idle-wait S            seconds after the last phase before reading VmRSS (default 5)
          --http nio|ahc           HTTP client: NIO keep-alive pool (default) or AsyncHTTPClient
          --customers N, --skus N  accounts and products seeded (default 50, 20)
          --order-url, --payment-url, --inventory-url URL, --amqp-url URL
        """

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            if flag == "--help" || flag == "-h" { throw UsageError(Self.usage) }
            guard let value = iterator.next() else { throw UsageError("\(flag) needs a value") }
            switch flag {
            case "--phases":
                phases = try value.split(separator: ",").map { name in
                    guard let phase = Phase(rawValue: String(name)) else { throw UsageError("unknown phase \(name)") }
                    return phase
                }
            case "--sequential-orders": sequentialOrders = try Self.int(value, flag)
            case "--open-orders": openOrders = try Self.int(value, flag)
            case "--rate": rate = Double(try Self.int(value, flag))
            case "--saturated-orders": saturatedOrders = try Self.int(value, flag)
            case "--concurrency": concurrency = try Self.int(value, flag)
            case "--warmup": warmup = try Self.int(value, flag, allowZero: true)
            case "--customers": customers = try Self.int(value, flag)
            case "--skus": skus = try Self.int(value, flag)
            case "--idle-wait": idleWait = try Self.int(value, flag, allowZero: true)
            case "--http":
                guard value == "nio" || value == "ahc" else { throw UsageError("--http is nio or ahc") }
                http = value
            case "--pids": pids = try Self.pids(value)
            case "--order-url": orderURL = value
            case "--payment-url": paymentURL = value
            case "--inventory-url": inventoryURL = value
            case "--amqp-url": amqpURL = value
            default: throw UsageError("unknown option \(flag) (try --help)")
            }
        }
    }

    private static func int(_ text: String, _ flag: String, allowZero: Bool = false) throws -> Int {
        guard let value = Int(text), value > 0 || (allowZero && value == 0) else {
            throw UsageError("\(flag) must be a positive integer")
        }
        return value
    }

    private static func pids(_ text: String) throws -> [(name: String, pid: Int32)] {
        try text.split(separator: ",").map { pair in
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let pid = Int32(parts[1]) else { throw UsageError("--pids wants name=pid,..., not \(pair)") }
            return (String(parts[0]), pid)
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
