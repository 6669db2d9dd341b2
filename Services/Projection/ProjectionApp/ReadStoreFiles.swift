import Contracts
import Foundation

/// Where the read models live. At first, in the service's own store (`DATABASE_PATH`); after a
/// rebuild, in the file the rebuild wrote beside it (`<name>.rebuild-<id>.sqlite`), which the
/// service's store names in its `active_store` row. The switch is that row: one committed write.
struct ReadStoreFiles: Sendable {
    /// The service's store: it holds the `active_store` row (and the read models until the first rebuild).
    let control: ReadModelDatabase
    let controlPath: String

    private var directory: URL { URL(fileURLWithPath: controlPath).deletingLastPathComponent() }
    private var stem: String { URL(fileURLWithPath: controlPath).deletingPathExtension().lastPathComponent }
    private var prefix: String { "\(stem).rebuild-" }

    /// The file a rebuild writes.
    func fileName(forRebuild id: String) -> String { "\(prefix)\(id).sqlite" }

    /// Opens the store the read models currently live in.
    /// - Throws: when it cannot be opened or migrated.
    func openActive() async throws -> ReadModelDatabase {
        guard let fileName = try await activeFileName() else { return control }
        return try open(fileName)
    }

    /// Opens (creating and migrating if needed) a read store beside the service's store.
    ///
    /// Commits are not fsynced (`synchronous=NORMAL`): a read store that loses its last commits
    /// in a power cut loses their positions with them, and catches up again from the feeds.
    func open(_ fileName: String) throws -> ReadModelDatabase {
        try ReadModelDatabase(path: directory.appendingPathComponent(fileName).path, durability: .normal)
    }

    /// The file named in `active_store`; `nil` while the read models live in the service's store.
    func activeFileName() async throws -> String? {
        try await control.activeFileName()
    }

    /// Makes `fileName` the store the read models live in, from the next start on as well.
    func activate(_ fileName: String, rebuildId: String, at now: Date = Date()) async throws {
        try await control.activate(fileName, rebuildId: rebuildId, at: now)
    }

    /// Empties the read models kept in the service's store once they live elsewhere.
    func clearControlReadModels() async throws {
        try await control.clearReadModels()
    }

    /// Deletes the files of rebuilt stores other than `keeping` (a replaced store, or an unfinished rebuild).
    func removeStores(keeping fileName: String?) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files where file.hasPrefix(prefix) && !(fileName.map { file.hasPrefix($0) } ?? false) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(file))
        }
    }
}
