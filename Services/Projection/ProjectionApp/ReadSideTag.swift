import GRDB
import ServiceKit

/// The entity tag of a read-side representation: the position applied from every source, read
/// in the same transaction as the rows.
///
/// The read store is a function of the prefix of each source's feed it has applied, and every
/// change to it moves a position, so the same positions always mean the same representation
/// (a rebuild reaching them again included) and any change gives a new tag. It is coarse (a
/// change to one order retags them all) but strong and free of extra bookkeeping.
enum ReadSideTag {
    static func current(_ db: Database) throws -> EntityTag {
        let positions = try SourcePositions.all(db)
        return EntityTag("p" + ProjectionSources.all.map { "\(positions[$0] ?? 0)" }.joined(separator: "-"))
    }
}
