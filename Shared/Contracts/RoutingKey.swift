/// Routing keys: the event type in lower snake case with its aggregate as prefix
/// (`OrderPlaced` → `order.placed`, `InventoryReservationFailed` → `inventory.reservation_failed`).
public enum RoutingKey {
    public static func of(eventType: String, aggregateType: String) -> String {
        var name = Substring(eventType)
        if name.hasPrefix(aggregateType) { name = name.dropFirst(aggregateType.count) }
        return aggregateType.lowercased() + "." + snakeCased(name)
    }

    private static func snakeCased(_ name: Substring) -> String {
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
}
