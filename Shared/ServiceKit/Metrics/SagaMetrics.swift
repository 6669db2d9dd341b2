import Foundation
import Metrics

/// How long sagas take, from the order placed to its first end (confirmed or cancelled), as the
/// Prometheus histogram `saga_duration_seconds{outcome="confirmed"|"cancelled"}`. Observed by
/// order-service when the ending event commits; a later cancellation of a confirmed order is no
/// saga end and is not observed.
public enum SagaMetrics {
    /// How a saga ended.
    public enum Outcome: String, Sendable {
        case confirmed, cancelled
    }

    /// The histogram's name.
    public static let durationLabel = "saga_duration_seconds"

    /// Its buckets: milliseconds when all is well, up to the saga deadline and beyond when not.
    static let durationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(300),
    ]

    /// Records one saga's end.
    public static func recordEnd(_ outcome: Outcome, placedAt: Date, endedAt: Date) {
        let seconds = max(0, endedAt.timeIntervalSince(placedAt))
        Timer(label: durationLabel, dimensions: [("outcome", outcome.rawValue)])
            .recordNanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }
}
