import Foundation
import Logging

/// The id of the HTTP request being served, carried in `X-Request-Id` and in every log line of
/// the request as `request.id`.
public enum RequestID {
    /// The response and request header.
    public static let headerName = "X-Request-Id"
    /// The log metadata key.
    public static let metadataKey = "request.id"
    /// The longest client value kept as it is.
    public static let maximumLength = 128

    /// The id of the request the current task serves, or `nil` outside a request.
    @TaskLocal public static var current: String?

    /// The client's id when it is a sane token: 1 to 128 bytes of visible ASCII (no spaces,
    /// no control characters); otherwise `nil` and a new one is generated.
    public static func accepted(_ value: String?) -> String? {
        guard let value, (1...maximumLength).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }

    /// A new id: a random UUID in lowercase.
    public static func generate() -> String {
        UUID().uuidString.lowercased()
    }

    /// Adds `request.id` to every log line written while a request is served, whatever logger writes it.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = current else { return [:] }
        return [metadataKey: .string(id)]
    }
}
