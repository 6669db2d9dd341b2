import Contracts
import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// Runs the rebuilds asked for: builds fresh read models from the feeds into a new store while
/// the current one keeps serving, then switches over while no write is in progress.
///
/// 1. `catching_up`: the new store reads every feed from the start, again and again until a
///    round finds little new (the live store keeps serving and applying meanwhile).
/// 2. `switching`: with live writes held back, it reads what is left, the service's store then
///    names it the active one (one committed row), and it serves every read and write from then on.
/// 3. `retiring` (the rebuild is `completed`): once the reads that started on the replaced
///    store are done, its connections are closed and its file deleted (or, for the service's
///    own store, its read models emptied).
///
/// A kill at any point leaves either the old store active (the new file is deleted at the next
/// start) or the new one (the old one is removed at the next start); both catch up from the feeds.
struct Rebuilder: Service, CustomStringConvertible {
    let rebuilds: Rebuilds
    let store: ReadStore
    let files: ReadStoreFiles
    let reader: FeedReader
    let logger: Logger

    var description: String { "Rebuilder" }

    func run() async throws {
        for await id in rebuilds.requests.cancelOnGracefulShutdown() {
            // SIGTERM stops a rebuild at once: the current store stays, the unfinished file is removed.
            await cancelWhenGracefulShutdown { await perform(id) }
        }
    }

    private func perform(_ id: String) async {
        let clock = ContinuousClock()
        let started = clock.now
        let fileName = files.fileName(forRebuild: id)
        logger.info("Rebuilding the read models", metadata: ["rebuild.id": "\(id)", "rebuild.file": "\(fileName)"])
        var previous: String?
        var fresh: ReadModelDatabase?
        let replaced: ServedStore
        var applied = 0
        do {
            previous = try await files.activeFileName()
            files.removeStores(keeping: previous)
            let opened = try files.open(fileName)
            fresh = opened
            for _ in 0..<20 {
                let round = try await catchUpAll(opened)
                applied += round
                rebuilds.update(id) { $0.eventsApplied = applied }
                if round < reader.pageSize { break }
            }
            rebuilds.update(id) { $0.phase = "switching" }
            replaced = try await store.replace { _ in
                applied += try await catchUpAll(opened)
                try await files.activate(fileName, rebuildId: id)
                return opened
            }
        } catch {
            discard(fresh, keeping: previous)
            let stopped = error is CancellationError
            if !stopped {
                logger.error("Rebuild failed; the current read models stay", metadata: ["rebuild.id": "\(id)", "error": "\(error)"])
            }
            rebuilds.update(id) { status in
                status.status = .failed
                status.phase = nil
                status.finishedAt = Date()
                status.durationSeconds = (clock.now - started) / .seconds(1)
                status.error = stopped ? "the service stopped" : "\(error)"
            }
            return
        }
        let positions = (try? await store.positions()) ?? [:]
        reader.lag.applied(positions)
        let duration = (clock.now - started) / .seconds(1)
        rebuilds.update(id) { status in
            status.status = .completed
            status.phase = "retiring"
            status.finishedAt = Date()
            status.eventsApplied = applied
            status.durationSeconds = duration
            status.positions = Dictionary(uniqueKeysWithValues: positions.map { ($0.key.rawValue, $0.value) })
        }
        logger.info("Rebuilt the read models and switched over", metadata: [
            "rebuild.id": "\(id)", "rebuild.events": "\(applied)", "rebuild.seconds": "\(duration)",
        ])
        await replaced.idle()
        do {
            try await retire(replaced.database, file: previous, keeping: fileName)
            rebuilds.update(id) { $0.phase = nil }
        } catch {
            // Stopped meanwhile, or the store is busy: the next start removes what is left.
            logger.warning("Replaced read store not removed yet", metadata: ["rebuild.id": "\(id)", "error": "\(error)"])
        }
    }

    /// Catches `fresh` up with every source's feed; returns how many events it applied.
    private func catchUpAll(_ fresh: ReadModelDatabase) async throws -> Int {
        var applied = 0
        for source in ProjectionSources.all {
            let result = try await reader.catchUp(source, into: fresh, for: .rebuild)
            applied += result.applied
            if let failure = result.failure {
                throw RebuildError(reason: "event \(failure.eventId) of \(source.rawValue) at position \(failure.position) cannot be applied: \(failure.error)")
            }
        }
        return applied
    }

    /// Frees what the replaced store held: the read models in the service's store, or the
    /// connections and file of an earlier rebuild's store.
    private func retire(_ replaced: ReadModelDatabase, file: String?, keeping current: String) async throws {
        if file == nil {
            try await files.clearControlReadModels()
        } else {
            try replaced.close()
        }
        files.removeStores(keeping: current)
    }

    /// Closes and deletes the store of a rebuild that did not switch.
    private func discard(_ fresh: ReadModelDatabase?, keeping active: String?) {
        guard let fresh else { return }
        do {
            try fresh.close()
            files.removeStores(keeping: active)
        } catch {
            logger.warning("Unfinished rebuild's store not closed; the next start removes it", metadata: ["error": "\(error)"])
        }
    }
}

/// Why a rebuild stopped.
struct RebuildError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
