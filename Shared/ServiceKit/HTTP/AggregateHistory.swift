import EventSourcing
import EventStore
import Hummingbird

extension Request {
    /// The `version` query parameter of `GET /…/{id}?version=N`: `nil` when absent.
    /// - Throws: a 400 ``APIError`` (`invalid_parameter`) when it is not an integer of at least 1.
    public func versionQuery() throws -> Int? {
        guard query("version") != nil else { return nil }
        return try integerQuery("version", default: 1, in: 1...Int.max)
    }
}

extension EventStoreDatabase {
    /// An aggregate for a `GET` of one resource: its current state, or with `version` its state as of
    /// that version, rebuilt from its events (from the latest snapshot at or before it).
    /// - Parameters:
    ///   - name: how the resource is named in a 404 message, e.g. `Order 42`.
    /// - Throws: a 404 ``APIError`` when a version is asked for and the stream is empty or shorter.
    public func load<State: Aggregate>(_ type: State.Type, id: String, version: Int?, name: String) async throws -> Versioned<State> {
        guard let version else { return try await read { try $0.load(State.self, id: id) } }
        let aggregate = try await read { try $0.load(State.self, id: id, upTo: version) }
        guard aggregate.version > 0 else { throw APIError.notFound("\(name) does not exist.") }
        guard aggregate.version == version else {
            throw APIError.notFound("\(name) has no version \(version): it is at version \(aggregate.version).")
        }
        return aggregate
    }
}
