/// An aggregate whose state can be stored as a snapshot, so that loading it replays only the
/// events after the snapshot.
///
/// The snapshot is the state's `Codable` form. Raise ``snapshotSchemaVersion`` whenever that form
/// or the meaning of ``Aggregate/evolve(with:)`` changes: snapshots of another version are then
/// ignored (the aggregate is replayed from its events), never decoded into the new shape.
public protocol SnapshottableAggregate: Aggregate, Codable {
    /// The version of the snapshot's shape; snapshots written with another version are ignored.
    static var snapshotSchemaVersion: Int { get }
}
