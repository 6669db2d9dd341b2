import EventSourcing
import Hummingbird

extension Request {
    /// The `version` query parameter of `GET /…/{id}?version=N`: `nil` when absent.
    /// - Throws: a 400 ``APIError`` (`invalid_parameter`) when it is not an integer of at least 1.
    public func versionQuery() throws -> Int? {
        guard query("version") != nil else { return nil }
        return try integerQuery("version", default: 1, in: 1...Int.max)
    }
}

extension Versioned {
    /// This state as `GET /…/{id}?version=N` answers: the state loaded up to `version` (the current
    /// one when no version was asked for), checked against what was asked.
    /// - Parameters:
    ///   - name: how the resource is named in a 404 message, e.g. `Order 42`.
    /// - Throws: a 404 ``APIError`` when a version is asked for and the stream is empty or shorter.
    public func answering(version: Int?, name: String) throws -> Versioned {
        guard let version else { return self }
        guard self.version > 0 else { throw APIError.notFound("\(name) does not exist.") }
        guard self.version == version else {
            throw APIError.notFound("\(name) has no version \(version): it is at version \(self.version).")
        }
        return self
    }
}
