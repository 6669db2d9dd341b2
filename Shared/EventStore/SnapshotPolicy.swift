import Contracts
import EventSourcing

/// When the store snapshots an aggregate: every N events, per aggregate type.
///
/// Only aggregates that conform to `SnapshottableAggregate` are snapshotted. A snapshot is
/// written in the same transaction as the append whose events take the stream across a multiple
/// of N, so it is never ahead of, nor torn from, the events it sums up.
public struct SnapshotPolicy: Sendable, Equatable {
    /// The interval for aggregate types without an entry in ``intervals``; `nil`: never.
    public var defaultInterval: Int?
    /// Intervals per aggregate type (`Product`: 100); 0: never for that type.
    public var intervals: [String: Int]

    /// - Parameters:
    ///   - defaultInterval: every how many events to snapshot an aggregate type not listed in `intervals`.
    ///   - intervals: the interval per aggregate type; 0 turns snapshots off for that type.
    public init(every defaultInterval: Int? = nil, intervals: [String: Int] = [:]) {
        self.defaultInterval = defaultInterval
        self.intervals = intervals
    }

    /// No snapshots: every load replays the whole stream.
    public static let never = SnapshotPolicy()

    /// Every 100 events, for every snapshottable aggregate: a load replays at most 99 events after
    /// its snapshot (see docs/BENCHMARKS.md for what that costs).
    public static let standard = SnapshotPolicy(every: 100)

    /// Every `interval` events, for every snapshottable aggregate.
    public static func every(_ interval: Int) -> SnapshotPolicy { SnapshotPolicy(every: interval) }

    /// The interval for `aggregateType`, `nil` when it is never snapshotted.
    public func interval(for aggregateType: String) -> Int? {
        let interval = intervals[aggregateType] ?? defaultInterval
        guard let interval, interval >= 1 else { return nil }
        return interval
    }

    /// Whether an append taking a stream from `oldVersion` to `newVersion` crosses a multiple of the interval.
    public func isDue(for aggregateType: String, from oldVersion: Int, to newVersion: Int) -> Bool {
        guard let interval = interval(for: aggregateType), newVersion > oldVersion else { return false }
        return newVersion / interval > oldVersion / interval
    }
}

/// What an ``EventStoreDatabase`` does besides storing events: when it snapshots, and how it upcasts old events.
public struct EventStoreSettings: Sendable {
    public var snapshotPolicy: SnapshotPolicy
    /// Applied to every stored event older than its payload type's schema version, on load.
    public var upcasters: Upcasters

    public init(snapshotPolicy: SnapshotPolicy = .standard, upcasters: Upcasters = .contracts) {
        self.snapshotPolicy = snapshotPolicy
        self.upcasters = upcasters
    }
}
