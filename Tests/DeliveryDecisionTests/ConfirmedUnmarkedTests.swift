@testable import Delivery
import Testing

/// The relay's confirmed-but-unmarked events: due by count or by age, skipped while they wait.
@Suite struct ConfirmedUnmarkedTests {
    @Test func nothingIsDueWhileEmpty() {
        let unmarked = ConfirmedUnmarked(maxCount: 3, maxDelay: .milliseconds(100))
        #expect(!unmarked.isDue())
        #expect(unmarked.timeUntilDue() == nil)
    }

    @Test func dueOnceTheOldestWaitedTheDelay() {
        let start = ContinuousClock.now
        var unmarked = ConfirmedUnmarked(maxCount: 100, maxDelay: .milliseconds(100))
        unmarked.add([4, 5], at: start)
        unmarked.add([6], at: start + .milliseconds(90))
        #expect(!unmarked.isDue(at: start + .milliseconds(99)))
        #expect(unmarked.timeUntilDue(at: start + .milliseconds(40)) == .milliseconds(60))
        #expect(unmarked.isDue(at: start + .milliseconds(100)))
        #expect(unmarked.timeUntilDue(at: start + .milliseconds(150)) == .zero)
        #expect(unmarked.positions == [4, 5, 6])
        #expect(unmarked.contains(5) && !unmarked.contains(7))
    }

    @Test func dueAtOnceWhenABatchGathered() {
        let start = ContinuousClock.now
        var unmarked = ConfirmedUnmarked(maxCount: 3, maxDelay: .seconds(10))
        unmarked.add([1, 2], at: start)
        #expect(!unmarked.isDue(at: start))
        unmarked.add([3], at: start)
        #expect(unmarked.isDue(at: start))
    }

    @Test func emptiedItStartsOver() {
        let start = ContinuousClock.now
        var unmarked = ConfirmedUnmarked(maxCount: 10, maxDelay: .milliseconds(100))
        unmarked.add([1], at: start)
        unmarked.removeAll()
        #expect(unmarked.isEmpty && !unmarked.contains(1))
        unmarked.add([], at: start)
        #expect(unmarked.timeUntilDue() == nil, "adding nothing starts no clock")
        unmarked.add([2], at: start + .seconds(1))
        #expect(!unmarked.isDue(at: start + .seconds(1) + .milliseconds(50)))
    }
}
