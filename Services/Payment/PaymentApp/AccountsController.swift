import Contracts
import EventSourcing
import EventStore
import Hummingbird
import PaymentDomain
import ServiceKit

/// `/accounts/{customerId}`: deposits and balances.
struct AccountsController: Sendable {
    let database: EventStoreDatabase

    struct DepositRequest: Codable, Sendable {
        var amount: Int
    }

    struct AccountRepresentation: Codable, Sendable {
        var customerId: String
        var balance: Int
        var version: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/accounts/:customerId/deposits") { request, context in
            var request = request
            let customerId = try context.parameters.id("customerId")
            let deposit = try await request.decodeJSON(as: DepositRequest.self)
            let account = try await database.execute(
                Account.self, id: customerId, context: { EventContext(correlationId: customerId, causationId: nil) }
            ) { account in
                try refusalsAsHTTPErrors { try account.deposit(customerId: customerId, amount: deposit.amount) }
            }
            return JSONResponse(.ok, AccountRepresentation(customerId: customerId, balance: account.state.balance, version: account.version))
        }
        router.get("/accounts/:customerId") { request, context in
            let customerId = try context.parameters.id("customerId")
            let version = try request.versionQuery()
            let account = try await database.read { try $0.load(Account.self, id: customerId, upTo: version ?? Int.max) }
                .answering(version: version, name: "Account \(customerId)")
            guard account.state.isOpen else { throw APIError.notFound("Account \(customerId) does not exist.") }
            let representation = AccountRepresentation(customerId: customerId, balance: account.state.balance, version: account.version)
            return ConditionalResponse(tag: .version(account.version), JSONResponse(.ok, representation))
        }
    }
}

/// Runs a domain decision, turning the account's refusals into HTTP errors.
private func refusalsAsHTTPErrors(_ decide: () throws -> [AccountEvent]) throws -> [AccountEvent] {
    do {
        return try decide()
    } catch let error as AccountError {
        switch error {
        case .invalid(let field, let reason): throw APIError(.badRequest, code: "invalid_field", message: "\(field) \(reason).")
        case .notFound(let id): throw APIError.notFound("Account \(id) does not exist.")
        case .insufficientFunds: throw APIError.conflict("insufficient_funds", "\(error).")
        }
    }
}
