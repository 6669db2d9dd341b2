/// Routing keys: the event type in lower snake case with its aggregate as prefix
/// (`OrderPlaced` → `order.placed`, `InventoryReservationFailed` → `inventory.reservation_failed`).
public enum RoutingKey {
    public static func of(eventType: String, aggregateType: String) -> String {
        var name = Substring(eventType)
        if name.hasPrefix(aggregateType) { name = name.dropFirst(aggregateType.count) }
        return aggregateType.lowercased() + "." + snakeCased(name)
    }

    private static func snakeCased(_ name: Substring) -> String {
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return asciiSnakeCased(name.utf8) }
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// ``snakeCased(_:)`` for a name of ASCII letters and digits (every event type), byte by byte.
    private static func asciiSnakeCased(_ name: Substring.UTF8View) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.count + 4)
        for byte in name {
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                if !bytes.isEmpty { bytes.append(UInt8(ascii: "_")) }
                bytes.append(byte + 32)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
