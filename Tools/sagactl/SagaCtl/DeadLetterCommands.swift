import ArgumentParser
import Foundation
import SagaCtlKit

/// `sagactl dead-letters …`: the parked messages of every service, through `/admin/dead-letters`.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List, inspect, replay and delete parked messages across the services (admin token).",
        subcommands: [ListDeadLetters.self, InspectDeadLetter.self, ReplayDeadLetters.self, DeleteDeadLetters.self]
    )
}

/// `sagactl dead-letters list`: one page per service, oldest parked first.
struct ListDeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List parked messages, oldest first, per service.")

    @OptionGroup var services: ServiceOptions
    @OptionGroup var filters: FilterOptions
    @Option(help: "At most this many per service (1 to 500).")
    var limit = 50
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        guard (1...500).contains(limit) else { throw SagaCtlError.invalidArgument("--limit must be 1 to 500.") }
        let client = connection.client
        var messages: [JSONValue] = []
        var total = 0
        for service in try services.services() {
            let page = try await client.send(
                "GET", service, "/admin/dead-letters", query: filters.filter.query + [("limit", String(limit))], admin: true
            ).body
            total += page["total"]?.intValue ?? 0
            messages += (page["deadLetters"]?.arrayValue ?? []).map { DeadLetterText.tagged($0, service) }
        }
        try connection.emit(.object(["deadLetters": .array(messages), "total": .number(Double(total))])) {
            let rows = messages.map { message in
                [message["service"].cell, message["id"].cell, message["eventType"].cell, message["reason"].cell,
                 message["attempts"].cell, message["parkedAt"].cell, String(message["error"].cell.prefix(60))]
            }
            return Table(headers: ["SERVICE", "ID", "EVENT", "REASON", "ATTEMPTS", "PARKED AT", "ERROR"], rows: rows).render()
                + "\n\(messages.count) shown, \(total) parked in all matching the filter"
        }
    }
}

/// `sagactl dead-letters inspect ID`: every field of one parked message, body included.
struct InspectDeadLetter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show one parked message whole (the same event may be parked by several services).",
        discussion: "The admin API has no read by id, so this pages through each service's list (500 a page) until it finds the id."
    )

    @Argument(help: "The parked message's id (its message_id).")
    var id: String
    @OptionGroup var services: ServiceOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = connection.client
        var found: [JSONValue] = []
        for service in try services.services() {
            var cursor: String?
            repeat {
                let query = [("limit", "500")] + (cursor.map { [("cursor", $0)] } ?? [])
                let page = try await client.send("GET", service, "/admin/dead-letters", query: query, admin: true).body
                if let match = page["deadLetters"]?.arrayValue.first(where: { $0["id"]?.stringValue.map { Array($0.utf8) } == Array(id.utf8) }) {
                    found.append(DeadLetterText.tagged(match, service))
                    break
                }
                cursor = page["nextCursor"]?.stringValue
            } while cursor != nil
        }
        guard !found.isEmpty else { throw SagaCtlError(.notFound, code: "not_found", message: "No service has a parked message \(id).") }
        try connection.emit(.object(["deadLetters": .array(found)])) {
            found.map { message in
                let fields = message.objectValue.keys.sorted().filter { $0 != "body" }.map { [$0, message[$0].cell] }
                return Table(headers: ["FIELD", "VALUE"], rows: fields).render() + "\nbody:\n" + message["body"].cell
            }.joined(separator: "\n\n")
        }
    }
}

/// `sagactl dead-letters replay`: by id, or in bulk by filter (`--all` when unfiltered).
struct ReplayDeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send parked messages back to their service's work queue with a fresh attempt count.",
        discussion: "Give ids, or filters, or --all (with filters it applies them), as the admin API requires."
    )

    @Argument(help: "Ids of parked messages; each is replayed by every selected service that parked it.")
    var ids: [String] = []
    @Flag(help: "Take every parked message (needed when no filter is given).")
    var all = false
    @OptionGroup var services: ServiceOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await DeadLetterAction(verb: "replay", connection: connection, services: services.services())
            .run(ids: ids, filter: filters.filter, all: all)
    }
}

/// `sagactl dead-letters delete`: by id, or in bulk by filter (`--all` when unfiltered).
struct DeleteDeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Remove parked messages that must never be applied.",
        discussion: "Give ids, or filters, or --all (with filters it applies them), as the admin API requires."
    )

    @Argument(help: "Ids of parked messages; each is deleted in every selected service that parked it.")
    var ids: [String] = []
    @Flag(help: "Take every parked message (needed when no filter is given).")
    var all = false
    @OptionGroup var services: ServiceOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await DeadLetterAction(verb: "delete", connection: connection, services: services.services())
            .run(ids: ids, filter: filters.filter, all: all)
    }
}

/// A replay or delete across services, by ids or by filter; prints `{"total", "byService", "notFound"}`.
struct DeadLetterAction {
    let verb: String
    let connection: ConnectionOptions
    let services: [Service]

    func run(ids: [String], filter: DeadLetterFilter, all: Bool) async throws {
        let client = connection.client
        var byService: [String: JSONValue] = [:]
        var notFound: [String] = []
        if !ids.isEmpty {
            guard filter.isEmpty, !all else { throw SagaCtlError.invalidArgument("Give ids, or filters and --all, not both.") }
            var counts: [Service: Int] = [:]
            for id in ids {
                var taken = false
                for service in services {
                    let path = "/admin/dead-letters/\(PathSegment.encode(id))" + (verb == "replay" ? "/replay" : "")
                    let answer = try await client.raw(verb == "replay" ? "POST" : "DELETE", service, path, admin: true)
                    if answer.status == 404, answer.body["error"]?["code"]?.stringValue == "not_found" { continue }
                    guard (200..<300).contains(answer.status) else {
                        throw APIClient.failure(answer, service: service, method: verb == "replay" ? "POST" : "DELETE", path: path)
                    }
                    counts[service, default: 0] += 1
                    taken = true
                }
                if !taken { notFound.append(id) }
            }
            for (service, count) in counts { byService[service.rawValue] = .number(Double(count)) }
        } else {
            let query = try filter.bulkQuery(all: all)
            for service in services {
                let answer = try await client.send(verb == "replay" ? "POST" : "DELETE", service,
                                                   verb == "replay" ? "/admin/dead-letters/replay" : "/admin/dead-letters",
                                                   query: query, admin: true)
                byService[service.rawValue] = answer.body[verb == "replay" ? "replayed" : "deleted"] ?? .number(0)
            }
        }
        let total = byService.values.compactMap(\.intValue).reduce(0, +)
        let result = JSONValue.object([
            "total": .number(Double(total)), "byService": .object(byService), "notFound": .array(notFound.map { .string($0) }),
        ])
        try connection.emit(result) {
            let rows = byService.keys.sorted().map { [$0, byService[$0].cell] }
            var text = Table(headers: ["SERVICE", verb == "replay" ? "REPLAYED" : "DELETED"], rows: rows).render()
            text += "\n\(total) \(verb == "replay" ? "replayed" : "deleted")"
            if !notFound.isEmpty { text += "\nnot parked anywhere: " + notFound.joined(separator: ", ") }
            return text
        }
        if !notFound.isEmpty {
            // The answer is printed already; say it on stderr and exit 2 without a second JSON document.
            FileHandle.standardError.write(Data("sagactl: error: not_found: No selected service has a parked message \(notFound.joined(separator: ", ")).\n".utf8))
            throw ExitCode(ExitStatus.notFound.rawValue)
        }
    }
}

/// How parked messages read.
enum DeadLetterText {
    /// The message with the service that parked it as `service`.
    static func tagged(_ message: JSONValue, _ service: Service) -> JSONValue {
        var object = message.objectValue
        object["service"] = .string(service.rawValue)
        return .object(object)
    }
}
