/// The exit codes of `sagactl`, one meaning each.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Done.
    case ok = 0
    /// The command line is wrong (unknown flag, malformed `--item`, …), or a service rejected
    /// the input as invalid (400, 413, 415).
    case usage = 1
    /// The order, parked message or rebuild does not exist (404).
    case notFound = 2
    /// A conflict or a refusal: 409 (an `Idempotency-Key` reused, a rebuild running, a replay in
    /// progress), 401/403 (admin token wrong or admin off), or a rebuild that failed.
    case rejected = 3
    /// A service could not be reached (connection refused, timeout).
    case unreachable = 4
    /// A service answered 5xx (503 not ready included) or something that is not the contract.
    case serverError = 5

    /// The exit status for an HTTP status that is not a success.
    public init(httpStatus: Int) {
        switch httpStatus {
        case 404: self = .notFound
        case 401, 403, 409: self = .rejected
        case 400..<500: self = .usage
        default: self = .serverError
        }
    }

    /// The table printed by `sagactl --help` and in docs/CLI.md.
    public static let help = """
        Exit codes: 0 ok, 1 usage or invalid input (400), 2 not found (404), 3 conflict or \
        refused (409, 401, 403, a failed rebuild), 4 service unreachable, 5 server error (5xx).
        """
}
