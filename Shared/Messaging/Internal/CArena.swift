import CRabbitMQ
import Foundation

/// Owns the C memory of outgoing values (strings, tables, properties) for the duration of one
/// librabbitmq call: librabbitmq only borrows what it is given. Everything is freed when the
/// arena goes away, so keep it alive (`withExtendedLifetime`) until the call returns.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for allocation in allocations { free(allocation) }
    }

    /// A copy of `string`'s UTF-8 bytes.
    func bytes(_ string: String) -> amqp_bytes_t {
        var string = string
        return string.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    /// A copy of `buffer`.
    func bytes(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard let source = buffer.baseAddress, buffer.count > 0 else { return amqp_empty_bytes }
        let copy = allocate(byteCount: buffer.count)
        copy.copyMemory(from: source, byteCount: buffer.count)
        return amqp_bytes_t(len: buffer.count, bytes: copy)
    }

    /// A field table holding `values`.
    func table(_ values: [String: AMQPFieldValue]) -> amqp_table_t {
        guard !values.isEmpty else { return amqp_empty_table }
        let entries = allocate(amqp_table_entry_t.self, count: values.count)
        for (index, (key, value)) in values.enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: field(value))
        }
        return amqp_table_t(num_entries: Int32(values.count), entries: entries)
    }

    /// Basic properties carrying `properties`, with the matching presence flags.
    func basicProperties(_ properties: MessageProperties) -> amqp_basic_properties_t {
        var result = amqp_basic_properties_t()
        var flags = AMQP_BASIC_DELIVERY_MODE_FLAG
        result.delivery_mode = properties.persistent ? 2 : 1
        func set(_ value: String?, _ flag: Int32, _ field: WritableKeyPath<amqp_basic_properties_t, amqp_bytes_t>) {
            guard let value else { return }
            result[keyPath: field] = bytes(value)
            flags |= flag
        }
        set(properties.messageId, AMQP_BASIC_MESSAGE_ID_FLAG, \.message_id)
        set(properties.correlationId, AMQP_BASIC_CORRELATION_ID_FLAG, \.correlation_id)
        set(properties.type, AMQP_BASIC_TYPE_FLAG, \.type)
        set(properties.contentType, AMQP_BASIC_CONTENT_TYPE_FLAG, \.content_type)
        set(properties.appId, AMQP_BASIC_APP_ID_FLAG, \.app_id)
        if let timestamp = properties.timestamp {
            result.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
            flags |= AMQP_BASIC_TIMESTAMP_FLAG
        }
        if !properties.headers.isEmpty {
            result.headers = table(properties.headers)
            flags |= AMQP_BASIC_HEADERS_FLAG
        }
        result._flags = UInt32(flags)
        return result
    }

    private func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        let kind: amqp_field_value_kind_t
        switch value {
        case .string(let string):
            kind = AMQP_FIELD_KIND_UTF8
            field.value.bytes = bytes(string)
        case .int(let int):
            kind = AMQP_FIELD_KIND_I64
            field.value.i64 = int
        case .bool(let bool):
            kind = AMQP_FIELD_KIND_BOOLEAN
            field.value.boolean = bool ? 1 : 0
        case .double(let double):
            kind = AMQP_FIELD_KIND_F64
            field.value.f64 = double
        case .array(let items):
            kind = AMQP_FIELD_KIND_ARRAY
            let entries = allocate(amqp_field_value_t.self, count: max(items.count, 1))
            for (index, item) in items.enumerated() { entries[index] = self.field(item) }
            field.value.array = amqp_array_t(num_entries: Int32(items.count), entries: entries)
        case .table(let table):
            kind = AMQP_FIELD_KIND_TABLE
            field.value.table = self.table(table)
        }
        field.kind = UInt8(kind.rawValue)
        return field
    }

    private func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride * count).bindMemory(to: T.self, capacity: count)
    }

    private func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard let memory = malloc(byteCount) else { fatalError("out of memory allocating \(byteCount) bytes") }
        allocations.append(memory)
        return memory
    }
}
