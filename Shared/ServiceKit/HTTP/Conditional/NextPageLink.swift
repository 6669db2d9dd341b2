import Foundation
import Hummingbird

extension Request {
    /// A `Link` header naming the next page (RFC 8288): this request's path and query with
    /// `parameters` set to the given values, every other parameter kept, e.g.
    /// `</orders?status=PENDING&cursor=abc>; rel="next"`.
    public func nextPageLink(_ parameters: KeyValuePairs<String, String>) -> HTTPFields {
        let replaced = Set(parameters.map(\.key))
        var pairs = uri.queryParameters.compactMap { key, value -> (String, String)? in
            let key = String(key)
            return replaced.contains(key) ? nil : (key, String(value))
        }
        pairs += parameters.map { ($0.key, $0.value) }
        let query = pairs.map { "\(Self.queryEncoded($0))=\(Self.queryEncoded($1))" }.joined(separator: "&")
        return [.link: "<\(uri.path)?\(query)>; rel=\"next\""]
    }

    /// Percent-encodes everything but the unreserved characters of RFC 3986, so that the link
    /// holds no character a header or a URI reference could not carry.
    private static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

extension HTTPFields.Element.Name {
    /// `Link` (RFC 8288), which HTTPTypes does not name.
    public static var link: Self { Self("Link")! }
}
