import Foundation

/// Command-line options of the load generator.
struct LoadOptions {
    var orders = 2000
    /// Orders per second (open loop); `nil` means as fast as `concurrency` allows.
    var rate: Double?
    var concurrency = 64
    var customers = 50
    var skus = 20
    var orderURL = "http://127.0.0.1:8081"
    var paymentURL = "http://127.0.0.1:8082"
    var inventoryURL = "http://127.0.0.1:8083"
    var amqpURL = "amqp://guest:guest@127.0.0.1:5672/"

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw UsageError("\(flag) needs a value") }
            switch flag {
            case "--orders": orders = try Self.int(value, flag)
            case "--rate": rate = Double(try Self.int(value, flag))
            case "--concurrency": concurrency = try Self.int(value, flag)
            case "--customers": customers = try Self.int(value, flag)
            case "--skus": skus = try Self.int(value, flag)
            case "--order-url": orderURL = value
            case "--payment-url": paymentURL = value
            case "--inventory-url": inventoryURL = value
            case "--amqp-url": amqpURL = value
            default: throw UsageError("unknown option \(flag)")
            }
        }
    }

    private static func int(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text), value > 0 else { throw UsageError("\(flag) must be a positive integer") }
        return value
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
