import Foundation
import PercentEncoding

/// Where and as whom to connect: `amqp://user:password@host:port/vhost`.
///
/// The port defaults to 5672, user and password to `guest`, and the vhost to `/` when the
/// path is empty or `/`. User, password and vhost are percent-decoded byte for byte (`/%2F` is
/// the vhost `/`, `%EF%BB%BF` stays U+FEFF); an escape that is not `%` and two hex digits, bytes
/// that are not UTF-8, a NUL byte or a vhost over 255 bytes make the URL invalid.
/// Query parameters are ignored; `amqps` (TLS) is not supported.
public struct AMQPURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String

    /// Parses an `amqp://` URL, throwing `.invalidURL` with the reason when it is malformed.
    public init(_ string: String) throws(AMQPError) {
        let scheme = "amqp://"
        guard string.lowercased().hasPrefix(scheme) else {
            let reason = string.lowercased().hasPrefix("amqps://")
                ? "amqps (TLS) is not supported" : "it must start with amqp://"
            throw .invalidURL(reason: reason)
        }
        var rest = Substring(string.dropFirst(scheme.count))
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<query]
        }
        let authority: Substring
        let path: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
            path = ""
        }

        var hostPort = authority
        user = "guest"
        password = "guest"
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = try Self.decode(parts[0], what: "user")
            password = parts.count > 1 ? try Self.decode(parts[1], what: "password") : ""
        }
        (host, port) = try Self.splitHostPort(hostPort)
        vhost = path.isEmpty ? "/" : try Self.decode(path, what: "vhost")
    }

    /// Builds a URL from its parts.
    public init(host: String, port: Int = 5672, user: String = "guest", password: String = "guest", vhost: String = "/") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
    }

    private static func splitHostPort(_ text: Substring) throws(AMQPError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {  // IPv6 literal: [::1]:5672
            guard let close = text.firstIndex(of: "]") else { throw .invalidURL(reason: "unterminated IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw .invalidURL(reason: "unexpected '\(after)' after the IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .invalidURL(reason: "the host is missing") }
        guard let portText else { return (String(host), 5672) }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw .invalidURL(reason: "the port '\(portText)' is not a number between 1 and 65535")
        }
        return (String(host), port)
    }

    /// The user, password or vhost as the bytes its percent-encoding names, every one kept
    /// (``PercentDecoding``: Foundation's decoder would drop a leading `%EF%BB%BF`, and so log in
    /// with another password than the one configured).
    private static func decode(_ text: Substring, what: String) throws(AMQPError) -> String {
        let decoded: String
        switch PercentDecoding.decodeOrExplain(text) {
        case .success(let value): decoded = value
        case .failure(let failure): throw .invalidURL(reason: "the \(what) has invalid percent-encoding: \(failure)")
        }
        // librabbitmq takes all three as C strings, and SASL PLAIN separates user and password with
        // NUL bytes: a NUL would cut the value short and log in as someone else, or to another vhost.
        guard !decoded.utf8.contains(0) else { throw .invalidURL(reason: "the \(what) contains a NUL byte (%00)") }
        // A short string on the wire (connection.open).
        if what == "vhost", decoded.utf8.count > 255 { throw .invalidURL(reason: "the vhost is longer than 255 bytes") }
        return decoded
    }
}

extension AMQPURL: CustomStringConvertible {
    /// The URL with the password masked, safe to log.
    public var description: String {
        "amqp://\(user):***@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(vhost == "/" ? "" : vhost)"
    }
}
