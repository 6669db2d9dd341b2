extension Int {
    /// `self + other` when it neither overflows nor exceeds `limit`; `nil` otherwise.
    ///
    /// Domain arithmetic on values that came from outside goes through here, so a sum that would
    /// trap becomes a refusal the caller can name.
    public func adding(_ other: Int, upTo limit: Int = .max) -> Int? {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow || sum > limit ? nil : sum
    }
}
