import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An AMQP 0-9-1 client of a few frames, on a plain socket: it logs in as `guest`, opens a
/// channel with publisher confirms and publishes a message whose content header carries
/// property bytes exactly as given. It sends what a well-behaved client library cannot
/// (a header table of an unknown field kind, a truncated one, one nested thousands of levels
/// deep), to show what the broker and the services do with such bytes.
public final class RawAMQPPublisher {
    /// What the broker answered a publish.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// basic.ack: the broker took the message.
        case confirmed
        /// basic.nack.
        case nacked
        /// channel.close or connection.close, with the reply code and text.
        case closed(code: UInt16, text: String)

        public var description: String {
            switch self {
            case .confirmed: "confirmed"
            case .nacked: "nacked"
            case .closed(let code, let text): "closed \(code) \(text)"
            }
        }
    }

    public struct ProtocolError: Error, CustomStringConvertible {
        public let description: String
    }

    private let socket: Int32
    private var buffer: [UInt8] = []

    /// Connects to `127.0.0.1:port` and logs in as guest/guest on the default vhost.
    public init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ProtocolError(description: "socket() failed") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw ProtocolError(description: "cannot connect to 127.0.0.1:\(port)")
        }
        try send(Array("AMQP".utf8) + [0, 0, 9, 1])
        _ = try expectMethod(10, 10)  // connection.start
        var startOk = Wire()
        startOk.u32(0)  // client properties: an empty table
        startOk.shortString("PLAIN")
        startOk.longString([0] + Array("guest".utf8) + [0] + Array("guest".utf8))
        startOk.shortString("en_US")
        try method(channel: 0, 10, 11, startOk.bytes)
        let tune = try expectMethod(10, 30)
        var tuneOk = Wire()
        tuneOk.bytes += tune.prefix(6)  // channel-max and frame-max as offered
        tuneOk.u16(0)  // no heartbeats
        try method(channel: 0, 10, 31, tuneOk.bytes)
        var open = Wire()
        open.shortString("/")
        open.shortString("")
        open.bytes.append(0)
        try method(channel: 0, 10, 40, open.bytes)
        _ = try expectMethod(10, 41)
        var channelOpen = Wire()
        channelOpen.shortString("")
        try method(channel: 1, 20, 10, channelOpen.bytes)
        _ = try expectMethod(20, 11)
        try method(channel: 1, 85, 10, [0])  // confirm.select
        _ = try expectMethod(85, 11)
    }

    deinit { close(socket) }

    /// Publishes `body` to `exchange` with `routingKey`; the content header carries `propertyFlags`
    /// and `properties` as they are (AMQP 0-9-1 section 4.2.6.1: flags, then each present property in order).
    public func publish(exchange: String, routingKey: String, propertyFlags: UInt16, properties: [UInt8], body: [UInt8]) throws -> Outcome {
        var publish = Wire()
        publish.u16(0)
        publish.shortString(exchange)
        publish.shortString(routingKey)
        publish.bytes.append(0)
        try method(channel: 1, 60, 40, publish.bytes)
        var header = Wire()
        header.u16(60)
        header.u16(0)
        header.u64(UInt64(body.count))
        header.u16(propertyFlags)
        header.bytes += properties
        try frame(type: 2, channel: 1, header.bytes)
        if !body.isEmpty { try frame(type: 3, channel: 1, body) }
        while true {
            let (type, _, payload) = try readFrame()
            guard type == 1, payload.count >= 4 else { continue }
            switch (Wire.u16(payload, 0), Wire.u16(payload, 2)) {
            case (60, 80): return .confirmed
            case (60, 120): return .nacked
            case (20, 40), (10, 50):
                let code = Wire.u16(payload, 4)
                let length = Int(payload[6])
                return .closed(code: code, text: String(decoding: payload[7..<min(7 + length, payload.count)], as: UTF8.self))
            default: continue
            }
        }
    }

    // MARK: Building property bytes

    /// Property flag bits (AMQP 0-9-1 basic class).
    public static let headersFlag: UInt16 = 1 << 13
    public static let messageIdFlag: UInt16 = 1 << 7
    public static let typeFlag: UInt16 = 1 << 5
    public static let contentTypeFlag: UInt16 = 1 << 15

    /// The property bytes of `content_type`, `headers` (the table's encoded entries, given raw),
    /// `message_id` and `type`, in their wire order.
    public static func properties(contentType: String, headerEntries: [UInt8], messageId: String, type: String) -> (flags: UInt16, bytes: [UInt8]) {
        var wire = Wire()
        wire.shortString(contentType)
        wire.longString(headerEntries)
        wire.shortString(messageId)
        wire.shortString(type)
        return (contentTypeFlag | headersFlag | messageIdFlag | typeFlag, wire.bytes)
    }

    /// A table entry `name` whose value is an array nested `levels` deep around the integer 1.
    public static func deeplyNestedEntry(name: String, levels: Int) -> [UInt8] {
        let value: [UInt8] = [UInt8(ascii: "I"), 0, 0, 0, 1]
        // Built inside out without copying: the prefixes first, then the innermost value.
        var prefixes: [[UInt8]] = []
        prefixes.reserveCapacity(levels)
        var length = value.count
        for _ in 0..<levels {
            prefixes.append([UInt8(ascii: "A")] + Wire.bigEndian(UInt32(length)))
            length += 5
        }
        var entry = Wire()
        entry.shortString(name)
        for prefix in prefixes.reversed() { entry.bytes += prefix }
        entry.bytes += value
        return entry.bytes
    }

    /// A table entry `name` of a field kind no AMQP peer knows (`Z`).
    public static func unknownKindEntry(name: String) -> [UInt8] {
        var entry = Wire()
        entry.shortString(name)
        entry.bytes += [UInt8(ascii: "Z"), 0, 0]
        return entry.bytes
    }

    /// A table entry `name` whose long string announces more bytes than follow.
    public static func truncatedEntry(name: String) -> [UInt8] {
        var entry = Wire()
        entry.shortString(name)
        entry.bytes.append(UInt8(ascii: "S"))
        entry.bytes += Wire.bigEndian(UInt32(50))
        entry.bytes += Array("abc".utf8)
        return entry.bytes
    }

    /// A well-formed long-string entry.
    public static func stringEntry(name: String, value: String) -> [UInt8] {
        var entry = Wire()
        entry.shortString(name)
        entry.bytes.append(UInt8(ascii: "S"))
        entry.longString(Array(value.utf8))
        return entry.bytes
    }

    // MARK: Frames

    private func method(channel: UInt16, _ classId: UInt16, _ methodId: UInt16, _ arguments: [UInt8]) throws {
        var payload = Wire()
        payload.u16(classId)
        payload.u16(methodId)
        payload.bytes += arguments
        try frame(type: 1, channel: channel, payload.bytes)
    }

    private func frame(type: UInt8, channel: UInt16, _ payload: [UInt8]) throws {
        var wire = Wire()
        wire.bytes.append(type)
        wire.u16(channel)
        wire.u32(UInt32(payload.count))
        wire.bytes += payload
        wire.bytes.append(0xCE)
        try send(wire.bytes)
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ProtocolError(description: "send failed (errno \(errno))") }
            offset += sent
        }
    }

    private func fill(_ count: Int) throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while buffer.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { throw ProtocolError(description: "the broker closed the socket (errno \(errno))") }
            buffer += chunk[0..<received]
        }
    }

    private func readFrame() throws -> (type: UInt8, channel: UInt16, payload: [UInt8]) {
        try fill(7)
        let size = Int(Wire.u32(buffer, 3))
        try fill(8 + size)
        let frame = (buffer[0], Wire.u16(buffer, 1), Array(buffer[7..<(7 + size)]))
        buffer.removeFirst(8 + size)
        return frame
    }

    /// The arguments of the next method, which must be `classId.methodId` (heartbeats are skipped).
    private func expectMethod(_ classId: UInt16, _ methodId: UInt16) throws -> [UInt8] {
        while true {
            let (type, _, payload) = try readFrame()
            guard type == 1 else { continue }
            guard Wire.u16(payload, 0) == classId, Wire.u16(payload, 2) == methodId else {
                throw ProtocolError(description: "expected method \(classId).\(methodId), got \(Wire.u16(payload, 0)).\(Wire.u16(payload, 2))")
            }
            return Array(payload[4...])
        }
    }
}

/// Big-endian AMQP encoding of the few types the frames above need.
struct Wire {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) { bytes += Self.bigEndian(value) }
    mutating func u32(_ value: UInt32) { bytes += Self.bigEndian(value) }
    mutating func u64(_ value: UInt64) { bytes += Self.bigEndian(value) }
    mutating func shortString(_ text: String) {
        bytes.append(UInt8(text.utf8.count))
        bytes += Array(text.utf8)
    }
    mutating func longString(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes += value
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }
}
