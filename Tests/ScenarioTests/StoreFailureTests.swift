import Foundation
import Testing
import TestSupport

/// A store that cannot be written: payment-service's SQLite file lives on a small tmpfs that the
/// scenario fills up. While it is full, `/ready` is 503, writes are 503 `store_unavailable` in the
/// contract's shape, and the consumer and the relay back off instead of retrying in a tight loop;
/// once space returns, everything goes on with nothing lost and nothing applied twice. A store
/// that is read-only when the service starts keeps it from starting until it is writable.
@Suite(
    "A store that cannot be written", .serialized, .timeLimit(.minutes(30)),
    .enabled(if: TmpfsMount.isPermitted, "needs root to mount a tmpfs (mount -t tmpfs); skipped"))
struct StoreFailureTests {
    @Test func aFullDiskIsServiceUnavailableWithBackoffAndEverythingCompletesOnceSpaceReturns() async throws {
        let figures = Figures("store full")
        defer { figures.summary() }
        let mount = try await TmpfsMount.mount(megabytes: 16)
        do {
            var configuration = SagaConfiguration()
            configuration.extraEnvironment[.payment] = ["DATABASE_PATH": mount.directory.appendingPathComponent("payment-service.sqlite").path]
            try await withSagaSystem(configuration) { system in
                try await playFullDisk(system, mount: mount, figures: figures)
            }
        } catch {
            await mount.unmount()
            throw error
        }
        await mount.unmount()
    }

    /// `mount -o remount,ro` is refused while a process holds a file of the filesystem open for
    /// writing (SQLite always does), so the read-only store is played the way an operator meets
    /// it: the filesystem turns read-only while payment-service is stopped. The service then does
    /// not start (exit 2 with a one-line reason, nothing half-done); orders wait on the broker;
    /// once the filesystem is writable again it starts and every saga completes.
    @Test func aReadOnlyStoreStopsTheServiceFromStartingAndNothingIsLostOnceWritable() async throws {
        let figures = Figures("store read-only")
        defer { figures.summary() }
        let mount = try await TmpfsMount.mount(megabytes: 16)
        do {
            var configuration = SagaConfiguration()
            configuration.extraEnvironment[.payment] = ["DATABASE_PATH": mount.directory.appendingPathComponent("payment-service.sqlite").path]
            // payment-service exits on its own once, by design; the clean exits are checked below.
            configuration.expectCleanShutdown = false
            try await withSagaSystem(configuration) { system in
                try await playReadOnly(system, mount: mount, figures: figures)
            }
        } catch {
            await mount.unmount()
            throw error
        }
        await mount.unmount()
    }

    private func playReadOnly(_ system: SagaSystem, mount: TmpfsMount, figures: Figures) async throws {
        let payment = system.paymentService
        try await system.deposit(customerId: "c-1", amount: 100_000)
        try await system.restock(sku: "SKU-1", quantity: 1_000)
        let line = [OrderLine(sku: "SKU-1", quantity: 1, unitPrice: 100)]
        let before = try await system.placeOrder(customerId: "c-1", items: line)
        #expect(try await system.waitForFinalStatus(before).status == .confirmed)

        let refusedWhileOpen = try await mount.remount(readOnly: true)
        figures.record("remount,ro while payment-service runs: \(refusedWhileOpen.map { "refused: \($0.trimmingCharacters(in: .whitespacesAndNewlines))" } ?? "accepted")")
        if refusedWhileOpen == nil { _ = try await mount.remount(readOnly: false) }

        #expect(await payment.terminate() == .exited(0))
        let remountError = try await mount.remount(readOnly: true)
        try #require(remountError == nil, "remount,ro with payment-service stopped: \(remountError ?? "")")
        var during: [String] = []
        for _ in 0..<5 { during.append(try await system.placeOrder(customerId: "c-1", items: line)) }

        try await payment.start()
        let exit = try await waitUntil("payment-service on a read-only store exits", timeout: .seconds(60)) {
            payment.isRunning ? .notYet(seen: "still running") : .done(payment.lastExitStatus)
        }
        #expect(exit == .exited(2), "payment-service on a read-only store: \(exit.map { "\($0)" } ?? "-")\n\(payment.logTailSection())")
        #expect(payment.logTail(lines: 20).contains("cannot open the store"), "\(payment.logTailSection())")
        for id in during { #expect(try await system.order(id)?.status == .pending) }

        _ = try await mount.remount(readOnly: false)
        try await payment.start()
        try await payment.waitUntilReady(timeout: .seconds(60))
        for id in during { #expect(try await system.waitForFinalStatus(id).status == .confirmed) }
        let after = try await system.placeOrder(customerId: "c-1", items: line)
        #expect(try await system.waitForFinalStatus(after).status == .confirmed)
        let report = await system.checkInvariants()
        #expect(report.isClean)
        for service in system.services {
            let status = await service.terminate(timeout: system.configuration.shutdownTimeout)
            #expect(status == .exited(0), "\(service.name) on SIGTERM: \(status.map { "\($0)" } ?? "not running")")
        }
    }

    private func playFullDisk(_ system: SagaSystem, mount: TmpfsMount, figures: Figures) async throws {
        let payment = system.paymentService
        try await system.deposit(customerId: "c-1", amount: 100_000)
        try await system.restock(sku: "SKU-1", quantity: 1_000)
        let line = [OrderLine(sku: "SKU-1", quantity: 1, unitPrice: 100)]
        for _ in 0..<5 {
            let id = try await system.placeOrder(customerId: "c-1", items: line)
            #expect(try await system.waitForFinalStatus(id).status == .confirmed)
        }

        // Fill the disk, then write until SQLite reports it (the WAL may still have room for a few commits).
        let filler = try mount.fill()
        var accepted = 0
        var refused: HTTPResponse?
        for _ in 0..<5_000 {
            let response = try await payment.client.post("/accounts/c-fill/deposits", json: DepositRequest(amount: 1))
            if response.status != 200 {
                refused = response
                break
            }
            accepted += 1
        }
        figures.record("deposits accepted after the filler took the last byte: \(accepted)")
        let refusal = try #require(refused, "writes kept succeeding on a full disk")
        #expect(refusal.status == 503, "a write on a full disk: \(refusal)")
        #expect(refusal.errorCode == "store_unavailable", "\(refusal)")
        #expect(refusal.json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(refusal)")
        let ready = try await payment.client.get("/ready")
        #expect(ready.status == 503, "/ready with a full disk: \(ready)")
        #expect(ready.errorCode == "not_ready", "\(ready)")
        let again = try await payment.client.post("/accounts/c-1/deposits", json: DepositRequest(amount: 500))
        #expect(again.status == 503 && again.errorCode == "store_unavailable", "\(again)")
        #expect(try await payment.client.get("/accounts/c-1").status == 200, "reads go on while the disk is full")

        // Orders placed now reach payment-service, which cannot commit them: it backs off.
        var during: [String] = []
        for _ in 0..<5 { during.append(try await system.placeOrder(customerId: "c-1", items: line)) }
        _ = try await waitUntil("payment-service failed to commit a batch", timeout: .seconds(30)) {
            let failures = try await system.metric(.payment, "consumer_commit_failures_total")
            return failures >= 3 ? .done(()) : .notYet(seen: "\(failures) commit failures")
        }
        let commitsBefore = try await system.metric(.payment, "consumer_commit_failures_total")
        let relayBefore = try await system.metric(.payment, "outbox_relay_failures_total")
        let probesBefore = try await system.metric(.payment, "store_write_failures_total")
        try await Task.sleep(for: .seconds(10))
        let commitRetries = try await system.metric(.payment, "consumer_commit_failures_total") - commitsBefore
        let relayRetries = try await system.metric(.payment, "outbox_relay_failures_total") - relayBefore
        let probeFailures = try await system.metric(.payment, "store_write_failures_total") - probesBefore
        figures.record("in 10 s of a full disk: \(Int(commitRetries)) batch commit attempts, \(Int(relayRetries)) relay retries, \(Int(probeFailures)) failed probes")
        // Backing off from 100 ms to 5 s makes a few attempts in 10 s; a tight loop, hundreds.
        #expect(commitRetries <= 10, "the consumer retries its batch in a tight loop: \(commitRetries) attempts in 10 s")
        #expect(relayRetries <= 10, "the relay retries in a tight loop: \(relayRetries) attempts in 10 s")
        #expect(try await payment.client.get("/ready").status == 503)
        for id in during {
            let order = try #require(try await system.order(id))
            #expect(order.status == .pending, "order \(id) progressed while payment-service could not write: \(order)")
        }

        // Space returns: the probe notices without any request, then everything goes on.
        try FileManager.default.removeItem(at: filler)
        let recovery = ContinuousClock.now
        try await payment.waitUntilReady(timeout: .seconds(30))
        figures.record("/ready 200 \((ContinuousClock.now - recovery).seconds) after the filler was removed")
        try await system.deposit(customerId: "c-1", amount: 1_000)
        for id in during { #expect(try await system.waitForFinalStatus(id).status == .confirmed) }
        for _ in 0..<5 {
            let id = try await system.placeOrder(customerId: "c-1", items: line)
            #expect(try await system.waitForFinalStatus(id).status == .confirmed)
        }
        // The deposits made while filling went around the ledger: c-fill holds exactly the accepted ones,
        // and the refused writes (to c-fill and c-1) changed nothing.
        let ledger = system.ledger
        var deposits = ledger.deposits
        if accepted > 0 { deposits["c-fill", default: 0] += accepted }
        var placed: [String: PlaceOrderRequest] = [:]
        for order in ledger.orders { placed[order.orderId] = order.request }
        let report = await InvariantChecker(system: system).check(
            orderIds: ledger.orderIds, deposits: deposits, stock: ledger.stock, placed: placed)
        #expect(report.isClean)
    }
}
