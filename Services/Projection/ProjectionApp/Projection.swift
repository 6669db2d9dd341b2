import Contracts
import EventStore
import Foundation
import ServiceKit
import ServiceLifecycle

/// The parts of projection-service beyond the shared runtime: the read store, the feeds, the
/// consumer, catch-up and rebuilds.
public struct Projection: Sendable {
    let store: ReadStore
    let lag: SourceLag
    let rebuilds: Rebuilds
    let consumer: ProjectionConsumer
    let catchUp: CatchUpService
    let rebuilder: Rebuilder

    /// Opens the active read store and wires the parts.
    /// - Throws: ``StartupFailure`` when `SOURCE_URLS` does not name the three feeds or the store cannot be opened.
    static func assemble(_ runtime: ServiceRuntime<ReadModelDatabase>) async throws(StartupFailure) -> Projection {
        let urls = runtime.configuration.sourceURLs
        guard urls.count == ProjectionSources.all.count else {
            throw StartupFailure("projection-service: invalid configuration: SOURCE_URLS must list the order, payment and inventory feeds, in that order; got \(urls.count) URL(s)")
        }
        var feeds: [ServiceName: SourceFeed] = [:]
        for (source, url) in zip(ProjectionSources.all, urls) {
            guard let baseURL = URL(string: url) else {
                throw StartupFailure("projection-service: invalid configuration: SOURCE_URLS has an invalid URL \"\(url)\"")
            }
            feeds[source] = SourceFeed(source: source, baseURL: baseURL)
        }
        let files = ReadStoreFiles(control: runtime.database, controlPath: runtime.configuration.databasePath)
        let store: ReadStore
        do {
            let active = try await files.activeFileName()
            files.removeStores(keeping: active)
            if active != nil { try await files.clearControlReadModels() }
            store = ReadStore(try await files.openActive())
        } catch {
            throw StartupFailure("projection-service: cannot open the read store: \(error)")
        }
        let lag = SourceLag()
        let reader = FeedReader(feeds: feeds, lag: lag)
        let wakeup = Wakeup()
        let rebuilds = Rebuilds()
        return Projection(
            store: store,
            lag: lag,
            rebuilds: rebuilds,
            consumer: ProjectionConsumer(
                store: store, journal: runtime.database, reader: reader, catchUp: wakeup, consuming: runtime.consuming,
                publishing: runtime.publishing, retryPolicy: runtime.retryPolicy, tracing: runtime.messageTracing,
                logger: runtime.logger
            ),
            catchUp: CatchUpService(store: store, reader: reader, wakeup: wakeup, logger: runtime.logger),
            rebuilder: Rebuilder(rebuilds: rebuilds, store: store, files: files, reader: reader, logger: runtime.logger)
        )
    }
}
