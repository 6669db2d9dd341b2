import Contracts
import EventStore
import Foundation
import GRDB

/// Where the read models live. At first, in the service's own store (`DATABASE_PATH`); after a
/// rebuild, in the file the rebuild wrote beside it (`<name>.rebuild-<id>.sqlite`), which the
/// service's store names in its `active_store` row. The switch is that row: one committed write.
struct ReadStoreFiles: Sendable {
    /// The service's store: it holds the `active_store` row (and the read models until the first rebuild).
    let control: AppDatabase
    let controlPath: String

    private var directory: URL { URL(fileURLWithPath: controlPath).deletingLastPathComponent() }
    private var stem: String { URL(fileURLWithPath: controlPath).deletingPathExtension().lastPathComponent }
    private var prefix: String { "\(stem).rebuild-" }

    /// The file a rebuild writes.
    func fileName(forRebuild id: String) -> String { "\(prefix)\(id).sqlite" }

    /// Opens the store the read models currently live in.
    /// - Throws: when it cannot be opened or migrated.
    func openActive() async throws -> AppDatabase {
        guard let fileName = try await activeFileName() else { return control }
        return try open(fileName)
    }

    /// Opens (creating and migrating if needed) a read store beside the service's store.
    ///
    /// Commits are not fsynced (`synchronous=NORMAL`): a read store that loses its last commits
    /// in a power cut loses their positions with them, and catches up again from the feeds.
    func open(_ fileName: String) throws -> AppDatabase {
        try AppDatabase(path: directory.appendingPathComponent(fileName).path, durability: .normal, migrations: ReadModelSchema.migrations)
    }

    /// The file named in `active_store`; `nil` while the read models live in the service's store.
    func activeFileName() async throws -> String? {
        try await control.read { try String.fetchOne($0.db, sql: "SELECT file_name FROM active_store") }
    }

    /// Makes `fileName` the store the read models live in, from the next start on as well.
    func activate(_ fileName: String, rebuildId: String, at now: Date = Date()) async throws {
        try await control.write { transaction in
            try transaction.db.execute(sql: """
                INSERT INTO active_store (singleton, file_name, rebuild_id, switched_at) VALUES (1, ?, ?, ?)
                ON CONFLICT (singleton) DO UPDATE SET
                    file_name = excluded.file_name, rebuild_id = excluded.rebuild_id, switched_at = excluded.switched_at
                """, arguments: [fileName, rebuildId, Timestamp.format(now)])
        }
    }

    /// Empties the read models kept in the service's store once they live elsewhere.
    func clearControlReadModels() async throws {
        try await control.write { transaction in
            try transaction.db.execute(sql: """
                DELETE FROM order_views; DELETE FROM account_views; DELETE FROM product_views;
                DELETE FROM timeline; DELETE FROM source_progress; DELETE FROM source_positions;
                """)
        }
    }

    /// Deletes the files of rebuilt stores other than `keeping` (a replaced store, or an unfinished rebuild).
    func removeStores(keeping fileName: String?) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files where file.hasPrefix(prefix) && !(fileName.map { file.hasPrefix($0) } ?? false) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(file))
        }
    }
}
