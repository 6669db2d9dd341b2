import Foundation
import Testing
import TestSupport

/// Rebuilds leave nothing behind: the replaced store's connections are closed and its files
/// deleted, and a kill -9 at any phase of a rebuild ends, after a restart, in a read store
/// equal to the owning services.
@Suite("Read side rebuilds leave nothing behind", .serialized, .timeLimit(.minutes(30)))
struct ProjectionRebuildKillTests {
    @Test func replacedStoreIsClosedAndItsFilesDeleted() async throws {
        try await withSagaSystem { system in
            try await seedCustomersAndStock(system)
            for id in try await system.placeOrders(orderPlan(count: 12)) { _ = try await system.waitForFinalStatus(id) }
            try await system.waitUntilProjectionCaughtUp()

            let first = try await system.rebuildUntilRetired()
            #expect(try system.projectionService.rebuildFiles().allSatisfy { $0.contains(first) })
            #expect(try system.projectionService.openFiles().contains { $0.hasSuffix(".rebuild-\(first).sqlite") }, "the rebuilt store serves")

            let second = try await system.rebuildUntilRetired()
            let open = try system.projectionService.openFiles()
            #expect(open.contains { $0.hasSuffix(".rebuild-\(second).sqlite") }, "the rebuilt store serves: \(open)")
            #expect(!open.contains { $0.contains(first) }, "no connection to the replaced store is left: \(open)")
            #expect(!open.contains { $0.hasSuffix("(deleted)") }, "no descriptor of a deleted file: \(open)")
            let files = try system.projectionService.rebuildFiles()
            #expect(!files.isEmpty && files.allSatisfy { $0.contains(second) }, "only the serving store's files are left: \(files)")
            try await system.waitUntilProjectionCaughtUp()
            await system.checkInvariants()
        }
    }

    @Test func rebuildKilledAtAnyPhaseLeavesAStoreEqualToTheOwningServices() async throws {
        var configuration = SagaConfiguration()
        configuration.logLevel = "warning"
        try await withSagaSystem(configuration) { system in
            try await seedCustomersAndStock(system)
            for id in try await system.placeOrders(orderPlan(count: 240), concurrency: 8) { _ = try await system.waitForFinalStatus(id) }
            try await system.waitUntilProjectionCaughtUp()

            for target in RebuildMoment.allCases {
                // Live writes go on during the rebuild.
                async let load = system.placeOrders(orderPlan(count: 8), concurrency: 2)
                let accepted = try await system.requestRebuild()
                let id = try #require(accepted.json?["rebuildId"]?.stringValue, "\(accepted)")
                var moment = RebuildMoment.catchingUp
                while true {
                    moment = try RebuildMoment(try await system.rebuildStatus(id))
                    if moment >= target { break }
                }
                await system.projectionService.kill()
                print("[figures] rebuild killed while \(moment) (aiming at \(target))")
                for order in try await load { _ = try await system.waitForFinalStatus(order) }

                try await system.projectionService.start()
                try await system.projectionService.waitUntilReady()
                let files = try system.projectionService.rebuildFiles()
                switch moment {
                case .catchingUp: #expect(files.isEmpty, "the unfinished rebuild's files are removed at start: \(files)")
                case .switching: #expect(files.allSatisfy { $0.contains(id) }, "the old store or the switched one, nothing else: \(files)")
                case .retiring, .retired: #expect(!files.isEmpty && files.allSatisfy { $0.contains(id) }, "the switched store stays: \(files)")
                }
                let open = try system.projectionService.openFiles()
                #expect(!open.contains { $0.hasSuffix("(deleted)") }, "no descriptor of a deleted file: \(open)")
                try await system.waitUntilProjectionCaughtUp()
                await system.checkInvariants()
            }
        }
    }
}

/// The moments of a rebuild to kill it at, in order, as `GET /admin/rebuild/{id}` shows them.
enum RebuildMoment: Int, CaseIterable, Comparable, CustomStringConvertible {
    case catchingUp, switching, retiring, retired

    init(_ status: JSONValue) throws {
        switch (status["status"]?.stringValue, status["phase"]?.stringValue) {
        case ("running", "catching_up"): self = .catchingUp
        case ("running", "switching"): self = .switching
        case ("completed", "retiring"): self = .retiring
        case ("completed", _): self = .retired
        default: throw HTTPClientError("the rebuild did not complete: \(status)")
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    var description: String { ["catching up", "switching", "retiring the old store", "done"][rawValue] }
}

extension SagaSystem {
    /// Rebuilds the read models and waits until the replaced store is retired; returns the rebuild's id.
    func rebuildUntilRetired() async throws -> String {
        let accepted = try await requestRebuild()
        guard accepted.status == 202, let id = accepted.json?["rebuildId"]?.stringValue else {
            throw HTTPClientError("expected 202 with a rebuild id, got \(accepted)")
        }
        try await waitUntil("rebuild \(id) completed and retired the replaced store", timeout: .seconds(300), interval: .milliseconds(100)) {
            let status = try await self.rebuildStatus(id)
            return try RebuildMoment(status) == .retired ? .done(()) : .notYet(seen: "\(status)")
        }
        return id
    }
}
