import EventSourcing
import Foundation

extension Upcasters {
    /// Every change of a contract payload's shape since version 1, for stores and consumers alike.
    public static let contracts = Upcasters(ProductRestocked.upcasters)

    /// Brings an encoded payload from `version` up to `target`; the bytes come back untouched when they are equal.
    /// - Throws: ``UpcastingError`` or a decoding error when the payload is not a JSON object.
    public func upcast(payloadJSON: Data, eventType: String, from version: Int, to target: Int) throws -> Data {
        if version == target { return payloadJSON }
        guard case .object(var payload) = try JSONCoding.decoder().decode(JSONNode.self, from: payloadJSON) else {
            throw UpcastingError.notAnObject(eventType: eventType)
        }
        try upcast(&payload, eventType: eventType, from: version, to: target)
        return try JSONCoding.encoder().encode(payload)
    }
}
