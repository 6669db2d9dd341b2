import Foundation
import Testing
import TestSupport

/// Shutdown under broker flow control: while RabbitMQ's memory alarm blocks every publishing
/// connection and order-service's outbox holds a backlog, SIGTERM still ends the process, with
/// status 0, within the harness's shutdown timeout. Nothing is lost: after the alarm clears and
/// the service restarts, every event goes out and every saga completes.
@Suite("Shutdown under broker flow control", .serialized, .timeLimit(.minutes(30)))
struct FlowControlTests {
    @Test func sigtermDuringAMemoryAlarmWithABacklogExitsZeroAndNothingIsLost() async throws {
        let figures = Figures("flow control")
        defer { figures.summary() }
        try await withSagaSystem { system in
            let order = system.orderService
            try await system.deposit(customerId: "c-1", amount: 1_000_000)
            try await system.restock(sku: "SKU-1", quantity: 10_000)
            let line = [OrderLine(sku: "SKU-1", quantity: 1, unitPrice: 100)]
            let before = try await system.placeOrder(customerId: "c-1", items: line)
            #expect(try await system.waitForFinalStatus(before).status == .confirmed)

            try await system.broker.setMemoryHighWatermark("0.000001")
            var alarmCleared = false
            do {
                var backlog: [String] = []
                for _ in 0..<200 { backlog.append(try await system.placeOrder(customerId: "c-1", items: line)) }
                _ = try await waitUntil("order-service's publisher is blocked by the broker", timeout: .seconds(30)) {
                    order.logTail(lines: 400).contains("AMQP connection blocked by the broker")
                        ? .done(()) : .notYet(seen: "no 'blocked' line in the log")
                }
                let published = try await system.metric(.order, "outbox_published_total")
                for id in backlog.prefix(20) {
                    #expect(try await system.order(id)?.status == .pending, "order \(id) progressed during the memory alarm")
                }

                let stopping = ContinuousClock.now
                let status = await order.terminate(timeout: system.configuration.shutdownTimeout)
                figures.record("SIGTERM during the alarm with \(backlog.count) orders unpublished (\(Int(published)) events published before): \(status.map { "\($0)" } ?? "not running") after \((ContinuousClock.now - stopping).seconds)")
                #expect(status == .exited(0), "order-service under flow control did not exit 0 on SIGTERM: \(status.map { "\($0)" } ?? "not running")\n\(order.logTailSection())")
                // Ended by its own shutdown, not by the last-resort deadline.
                #expect(!order.logTail(lines: 400).contains("Shutdown did not finish in time"), "\(order.logTailSection())")
                #expect(order.logTail(lines: 400).contains("Stopped"), "\(order.logTailSection())")

                try await system.broker.setMemoryHighWatermark("0.4")
                alarmCleared = true
                try await order.start()
                try await order.waitUntilReady(timeout: .seconds(60))
                for id in backlog { #expect(try await system.waitForFinalStatus(id).status == .confirmed) }
                let after = try await system.placeOrder(customerId: "c-1", items: line)
                #expect(try await system.waitForFinalStatus(after).status == .confirmed)
            } catch {
                if !alarmCleared { try? await system.broker.setMemoryHighWatermark("0.4") }
                throw error
            }
            let report = await system.checkInvariants()
            #expect(report.isClean)
        }
    }
}
