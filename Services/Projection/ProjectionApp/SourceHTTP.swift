import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request from projection-service to a source service (its feed, its admin routes),
/// over AsyncHTTPClient's shared client: cancelled cleanly with the calling task, which
/// FoundationNetworking's `URLSession` is not (a request cancelled at shutdown could crash it).
enum SourceHTTP {
    /// What a source answered.
    struct Answer {
        var status: Int
        var contentType: String?
        var body: Data
    }

    /// The largest answer read; a feed page of 1,000 events is far below it.
    static let maxBodyBytes = 64 << 20

    /// Sends `method` to `url` and reads the whole answer.
    /// - Throws: `CancellationError` when the calling task was cancelled; the client's error when
    ///   the source cannot be reached, does not answer within `timeout` or answers too much.
    static func send(
        _ method: HTTPMethod, to url: URL, headers: [(String, String)] = [], timeout: TimeInterval
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1_000)))
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return Answer(
                status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                body: Data(body.readableBytesView)
            )
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }
}
