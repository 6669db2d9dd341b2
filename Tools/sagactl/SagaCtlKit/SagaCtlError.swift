/// A failure `sagactl` reports: the contract's error code and message, and what it exits with.
public struct SagaCtlError: Error, Sendable, CustomStringConvertible {
    public var status: ExitStatus
    /// The contract's `error.code` (`not_found`, `rebuild_running`, …) or one of the tool's own
    /// (`unreachable`, `invalid_argument`, `bad_response`).
    public var code: String
    public var message: String

    public init(_ status: ExitStatus, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// The error as JSON, in the contract's shape, for `--json`.
    public var json: JSONValue {
        .object(["error": .object(["code": .string(code), "message": .string(message)])])
    }

    public static func invalidArgument(_ message: String) -> SagaCtlError {
        SagaCtlError(.usage, code: "invalid_argument", message: message)
    }
}
