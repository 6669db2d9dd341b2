import Foundation

/// The JSON conventions of every body on the wire and in the stores: RFC 3339 UTC times with milliseconds.
public enum JSONCoding {
    /// An encoder writing dates as `2026-11-22T17:00:00.000Z` (one shared instance: encoders are thread-safe).
    public static func encoder() -> JSONEncoder { sharedEncoder }

    /// A decoder reading dates written by ``encoder()``, fractional seconds optional (one shared instance).
    public static func decoder() -> JSONDecoder { sharedDecoder }

    private static let sharedEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }()

    private static let sharedDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected an RFC 3339 time, got \"\(text)\"")
            }
            return date
        }
        return decoder
    }()

    /// A one-line account of a decoding error, naming the field.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return field.isEmpty ? "not valid JSON" : "field \(field): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
