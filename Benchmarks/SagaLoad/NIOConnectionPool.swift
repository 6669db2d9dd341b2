import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A lean HTTP/1.1 client for one service: persistent (keep-alive) connections over NIO, one
/// request at a time on each, idle connections reused last-in first-out, a new one opened when
/// all are busy. No redirects, TLS, retries or decompression: what the load needs and no more.
final class NIOConnectionPool: HTTPPoster {
    private let endpoint: HTTPEndpoint
    private let group: any EventLoopGroup
    private let idle = Mutex<[any Channel]>([])
    private let hostHeader: String

    init(endpoint: HTTPEndpoint, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.group = group
        self.hostHeader = "\(endpoint.host):\(endpoint.port)"
    }

    func post(_ path: String, json: String) async throws -> HTTPAnswer {
        let channel = try await checkOut()
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: hostHeader)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(json.utf8.count))
        let promise = channel.eventLoop.makePromise(of: PendingResponse.self)
        channel.writeAndFlush(OutgoingRequest(head: head, body: ByteBuffer(string: json), promise: promise), promise: nil)
        do {
            let response = try await promise.futureResult.get()
            if response.keepAlive { checkIn(channel) } else { channel.close(promise: nil) }
            return HTTPAnswer(status: response.status, body: response.body)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    func shutdown() async {
        let channels = idle.withLock { channels in
            defer { channels = [] }
            return channels
        }
        for channel in channels { try? await channel.close() }
    }

    private func checkOut() async throws -> any Channel {
        while let channel = idle.withLock({ $0.popLast() }) {
            if channel.isActive { return channel }
        }
        return try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .get()
    }

    private func checkIn(_ channel: any Channel) {
        idle.withLock { $0.append(channel) }
    }
}

/// A request handed to the pipeline, with the promise its response completes.
struct OutgoingRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var promise: EventLoopPromise<PendingResponse>
}

/// A complete response as the pipeline assembled it.
struct PendingResponse: Sendable {
    var status: Int
    var keepAlive: Bool
    var body: [UInt8]
}

/// Writes one request's head, body and end, and assembles the response parts into one
/// `PendingResponse`; fails the pending promise when the connection errs or closes.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var pending: EventLoopPromise<PendingResponse>?
    private var response = PendingResponse(status: 0, keepAlive: false, body: [])

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending = request.promise
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = PendingResponse(status: Int(head.status.code), keepAlive: head.isKeepAlive, body: [])
        case .body(var bytes):
            response.body += bytes.readBytes(length: bytes.readableBytes) ?? []
        case .end:
            let promise = pending
            pending = nil
            promise?.succeed(response)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        let promise = pending
        pending = nil
        promise?.fail(error)
    }
}
