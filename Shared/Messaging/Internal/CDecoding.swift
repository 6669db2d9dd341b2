import CRabbitMQ
import Foundation

// Copies values out of librabbitmq's pools into Swift values. Call these before the pool is
// released (`amqp_maybe_release_buffers`, `amqp_destroy_message`).

extension amqp_bytes_t {
    /// The bytes as UTF-8 text (invalid sequences are repaired).
    var string: String {
        String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    /// A copy of the bytes.
    var data: Data {
        guard let bytes, len > 0 else { return Data() }
        return Data(bytes: bytes, count: len)
    }
}

extension amqp_table_t {
    /// The table's entries as they came, names as bytes (see ``HeaderTableDecoder``), down to
    /// ``WireValue/maximumDepth`` levels of nesting; a value nested deeper is ``WireValue/tooDeep``.
    var wireTable: WireTable { wireTable(depth: 0) }

    func wireTable(depth: Int) -> WireTable {
        WireTable(entries: (0..<Int(num_entries)).map { index in
            let entry = entries[index]
            return WireTable.Entry(
                name: Array(UnsafeRawBufferPointer(start: entry.key.bytes, count: entry.key.len)), value: entry.value.wireValue(depth: depth + 1))
        })
    }
}

extension amqp_field_value_t {
    /// The value, `depth` levels of tables and arrays down from the headers; not descending past
    /// ``WireValue/maximumDepth``, so that a table nested thousands of levels deep (legal on the
    /// wire, and the broker takes it) costs no deep recursion here or later.
    func wireValue(depth: Int) -> WireValue {
        let kind = amqp_field_value_kind_t(UInt32(kind))
        if depth > WireValue.maximumDepth, kind == AMQP_FIELD_KIND_ARRAY || kind == AMQP_FIELD_KIND_TABLE {
            return .tooDeep
        }
        switch kind {
        case AMQP_FIELD_KIND_BOOLEAN: return .value(.bool(value.boolean != 0))
        case AMQP_FIELD_KIND_I8: return .value(.int(Int64(value.i8)))
        case AMQP_FIELD_KIND_U8: return .value(.int(Int64(value.u8)))
        case AMQP_FIELD_KIND_I16: return .value(.int(Int64(value.i16)))
        case AMQP_FIELD_KIND_U16: return .value(.int(Int64(value.u16)))
        case AMQP_FIELD_KIND_I32: return .value(.int(Int64(value.i32)))
        case AMQP_FIELD_KIND_U32: return .value(.int(Int64(value.u32)))
        case AMQP_FIELD_KIND_I64: return .value(.int(value.i64))
        case AMQP_FIELD_KIND_U64, AMQP_FIELD_KIND_TIMESTAMP: return .value(.int(Int64(clamping: value.u64)))
        case AMQP_FIELD_KIND_F32: return .value(.double(Double(value.f32)))
        case AMQP_FIELD_KIND_F64: return .value(.double(value.f64))
        case AMQP_FIELD_KIND_UTF8: return .value(.string(value.bytes.string))
        case AMQP_FIELD_KIND_BYTES:
            return String(validating: UnsafeRawBufferPointer(start: value.bytes.bytes, count: value.bytes.len), as: UTF8.self)
                .map { .value(.string($0)) } ?? .unsupported
        case AMQP_FIELD_KIND_ARRAY:
            return .array((0..<Int(value.array.num_entries)).map { value.array.entries[$0].wireValue(depth: depth + 1) })
        case AMQP_FIELD_KIND_TABLE: return .table(value.table.wireTable(depth: depth))
        default: return .unsupported
        }
    }
}

extension amqp_basic_properties_t {
    /// The properties `MessageProperties` models, and the header entries left out of them
    /// (``HeaderDefect``); other properties (reply-to, expiration, ...) are ignored.
    var messageProperties: (MessageProperties, [HeaderDefect]) {
        func string(_ flag: Int32, _ field: amqp_bytes_t) -> String? {
            _flags & UInt32(flag) != 0 ? field.string : nil
        }
        let (headers, defects) = _flags & UInt32(AMQP_BASIC_HEADERS_FLAG) != 0
            ? HeaderTableDecoder.decode(self.headers.wireTable) : ([:], [])
        let properties = MessageProperties(
            messageId: string(AMQP_BASIC_MESSAGE_ID_FLAG, message_id),
            correlationId: string(AMQP_BASIC_CORRELATION_ID_FLAG, correlation_id),
            type: string(AMQP_BASIC_TYPE_FLAG, type),
            contentType: string(AMQP_BASIC_CONTENT_TYPE_FLAG, content_type),
            appId: string(AMQP_BASIC_APP_ID_FLAG, app_id),
            timestamp: _flags & UInt32(AMQP_BASIC_TIMESTAMP_FLAG) != 0
                ? Date(timeIntervalSince1970: TimeInterval(timestamp)) : nil,
            headers: headers,
            persistent: _flags & UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG) != 0 && delivery_mode == 2
        )
        return (properties, defects)
    }
}
