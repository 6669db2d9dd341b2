/// Outbox events the broker confirmed and the store does not show as published yet.
///
/// The relay marks them in one transaction once `maxCount` gathered or the oldest waited
/// `maxDelay`, instead of one transaction (and its fsync) per round, and skips them when it reads
/// the outbox meanwhile. A crash before the mark publishes them again on restart, as a crash
/// between a confirm and its mark always could: consumers deduplicate by event id.
struct ConfirmedUnmarked {
    let maxCount: Int
    let maxDelay: Duration
    private(set) var positions: [Int64] = []
    private var members: Set<Int64> = []
    private var oldest: ContinuousClock.Instant?

    init(maxCount: Int, maxDelay: Duration) {
        self.maxCount = maxCount
        self.maxDelay = maxDelay
    }

    var isEmpty: Bool { positions.isEmpty }
    var count: Int { positions.count }

    func contains(_ position: Int64) -> Bool { members.contains(position) }

    mutating func add(_ confirmed: [Int64], at now: ContinuousClock.Instant = .now) {
        guard !confirmed.isEmpty else { return }
        if positions.isEmpty { oldest = now }
        positions += confirmed
        members.formUnion(confirmed)
    }

    /// Whether they should be marked now.
    func isDue(at now: ContinuousClock.Instant = .now) -> Bool {
        guard let oldest else { return false }
        return positions.count >= maxCount || now - oldest >= maxDelay
    }

    /// How long until ``isDue(at:)`` turns true by age; nil when there is nothing to mark.
    func timeUntilDue(at now: ContinuousClock.Instant = .now) -> Duration? {
        oldest.map { max(.zero, maxDelay - (now - $0)) }
    }

    mutating func removeAll() {
        positions.removeAll(keepingCapacity: true)
        members.removeAll(keepingCapacity: true)
        oldest = nil
    }
}
