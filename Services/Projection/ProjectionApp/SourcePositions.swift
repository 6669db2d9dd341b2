import Contracts
import GRDB

/// Per source, the position of the last event applied to a read store (`source_positions`).
///
/// An event at or before its source's position is a duplicate; one after the next position
/// means events are missing in between.
enum SourcePositions {
    /// Every source's position; a source not seen yet is at 0.
    static func all(_ db: Database) throws -> [ServiceName: Int64] {
        var positions = Dictionary(uniqueKeysWithValues: ProjectionSources.all.map { ($0, Int64(0)) })
        for row in try Row.fetchAll(db, sql: "SELECT source, position FROM source_positions") {
            if let source = ServiceName(rawValue: row["source"]) { positions[source] = row["position"] }
        }
        return positions
    }

    static func position(of source: ServiceName, _ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT position FROM source_positions WHERE source = ?"), arguments: [source.rawValue]) ?? 0
    }

    static func set(_ position: Int64, of source: ServiceName, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO source_positions (source, position) VALUES (?, ?)
            ON CONFLICT (source) DO UPDATE SET position = excluded.position
            """).execute(arguments: [source.rawValue, position])
    }
}

/// The services whose events the projection reads, in the order of `SOURCE_URLS`.
enum ProjectionSources {
    static let all: [ServiceName] = [.order, .payment, .inventory]
}
