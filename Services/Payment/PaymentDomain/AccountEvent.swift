import Contracts
import EventSourcing

/// Everything that can happen to a customer's account.
public enum AccountEvent: EventFamily, Equatable {
    case deposited(AccountDeposited)
    case debited(AccountDebited)
    case credited(AccountCredited)

    public static let payloadTypes: [any EventPayload.Type] = [AccountDeposited.self, AccountDebited.self, AccountCredited.self]

    public init?(payload: any EventPayload) {
        switch payload {
        case let event as AccountDeposited: self = .deposited(event)
        case let event as AccountDebited: self = .debited(event)
        case let event as AccountCredited: self = .credited(event)
        default: return nil
        }
    }

    public var payload: any EventPayload {
        switch self {
        case .deposited(let event): event
        case .debited(let event): event
        case .credited(let event): event
        }
    }
}
