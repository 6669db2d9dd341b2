import Hummingbird

/// A read answered with an `ETag`, or `304 Not Modified` without a body when the request's
/// `If-None-Match` already names that tag (or is `*`: the resource exists, or there would be no tag).
public struct ConditionalResponse<Representation: ResponseGenerator>: ResponseGenerator {
    public let tag: EntityTag
    public let representation: Representation

    /// - Parameters:
    ///   - tag: the validator of `representation`; it must change whenever the representation can.
    ///   - representation: the full answer, made into a response only when it is sent.
    public init(tag: EntityTag, _ representation: Representation) {
        self.tag = tag
        self.representation = representation
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        if request.ifNoneMatch(matches: tag) {
            return Response(status: .notModified, headers: [.eTag: tag.headerValue])
        }
        var response = try representation.response(from: request, context: context)
        response.headers[.eTag] = tag.headerValue
        return response
    }
}
