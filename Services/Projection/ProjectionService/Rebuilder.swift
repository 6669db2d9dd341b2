import Contracts
import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// Runs the rebuilds asked for: builds fresh read models from the feeds into a new store while
/// the current one keeps serving, then switches over while no write is in progress.
///
/// 1. The new store reads every feed from the start, again and again until a round finds little
///    new (the live store keeps serving and applying meanwhile).
/// 2. With live writes held back, it reads what is left, the service's store then names it the
///    active one (one committed row), and it serves every read and write from then on.
/// 3. The replaced store is emptied or deleted a little later, once reads that started on it are done.
struct Rebuilder: Service, CustomStringConvertible {
    let rebuilds: Rebuilds
    let store: ReadStore
    let files: ReadStoreFiles
    let reader: FeedReader
    let logger: Logger
    /// How long reads that started on the replaced store may take before it is removed.
    var retirementDelay: Duration = .seconds(10)

    var description: String { "Rebuilder" }

    func run() async throws {
        for await id in rebuilds.requests.cancelOnGracefulShutdown() {
            // SIGTERM stops a rebuild at once: the current store stays, the unfinished file is removed at the next start.
            await cancelWhenGracefulShutdown { await perform(id) }
        }
    }

    private func perform(_ id: String) async {
        let clock = ContinuousClock()
        let started = clock.now
        let fileName = files.fileName(forRebuild: id)
        logger.info("Rebuilding the read models", metadata: ["rebuild.id": "\(id)", "rebuild.file": "\(fileName)"])
        let previous: String?
        do {
            previous = try await files.activeFileName()
            files.removeStores(keeping: previous)
            let fresh = try files.open(fileName)
            var applied = 0
            for _ in 0..<20 {
                let round = try await catchUpAll(fresh)
                applied += round
                rebuilds.update(id) { $0.eventsApplied = applied }
                if round < reader.pageSize { break }
            }
            rebuilds.update(id) { $0.phase = "switching" }
            try await store.replace { _ in
                applied += try await catchUpAll(fresh)
                try await files.activate(fileName, rebuildId: id)
                return fresh
            }
            let positions = try await fresh.positions()
            reader.lag.applied(positions)
            let duration = (clock.now - started) / .seconds(1)
            rebuilds.update(id) { status in
                status.status = .completed
                status.phase = nil
                status.finishedAt = Date()
                status.eventsApplied = applied
                status.durationSeconds = duration
                status.positions = Dictionary(uniqueKeysWithValues: positions.map { ($0.key.rawValue, $0.value) })
            }
            logger.info("Rebuilt the read models and switched over", metadata: [
                "rebuild.id": "\(id)", "rebuild.events": "\(applied)", "rebuild.seconds": "\(duration)",
            ])
        } catch is CancellationError {
            rebuilds.update(id) { $0.status = .failed; $0.phase = nil; $0.error = "the service stopped"; $0.finishedAt = Date() }
            return
        } catch {
            logger.error("Rebuild failed; the current read models stay", metadata: ["rebuild.id": "\(id)", "error": "\(error)"])
            rebuilds.update(id) { status in
                status.status = .failed
                status.phase = nil
                status.finishedAt = Date()
                status.durationSeconds = (clock.now - started) / .seconds(1)
                status.error = "\(error)"
            }
            files.removeStores(keeping: try? await files.activeFileName())
            return
        }
        do {
            try await Task.sleep(for: retirementDelay)
            try await retire(previous, keeping: fileName)
        } catch {
            // Stopped meanwhile, or the store is busy: the next start removes what is left.
            logger.debug("Replaced read store not removed yet", metadata: ["error": "\(error)"])
        }
    }

    /// Catches `fresh` up with every source's feed; returns how many events it applied.
    private func catchUpAll(_ fresh: AppDatabase) async throws -> Int {
        var applied = 0
        for source in ProjectionSources.all {
            let result = try await reader.catchUp(source, into: fresh, isLive: false)
            applied += result.applied
            if let failure = result.failure {
                throw RebuildError(reason: "event \(failure.eventId) of \(source.rawValue) at position \(failure.position) cannot be applied: \(failure.error)")
            }
        }
        return applied
    }

    /// Frees what the replaced store held: the read models in the service's store, or the file of an earlier rebuild.
    private func retire(_ previous: String?, keeping current: String) async throws {
        if previous == nil { try await files.clearControlReadModels() }
        files.removeStores(keeping: current)
    }
}

/// Why a rebuild stopped.
struct RebuildError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
