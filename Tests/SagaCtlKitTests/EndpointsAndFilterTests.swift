import Testing
@testable import SagaCtlKit

@Suite struct EndpointsAndFilterTests {
    @Test func aFlagWinsOverTheEnvironmentWhichWinsOverTheMakeRunDefault() {
        let endpoints = Endpoints(
            flags: [.order: "http://flag:1/", .payment: nil],
            adminToken: nil,
            environment: ["SAGACTL_ORDER_URL": "http://env:2", "SAGACTL_PAYMENT_URL": "http://env:3", "ADMIN_TOKEN": "t"])
        #expect(endpoints.url(.order) == "http://flag:1")
        #expect(endpoints.url(.payment) == "http://env:3")
        #expect(endpoints.url(.inventory) == "http://localhost:8083")
        #expect(endpoints.url(.projection) == "http://localhost:8084")
        #expect(endpoints.adminToken == "t")
    }

    @Test func theAdminTokenFlagWinsOverTheEnvironment() {
        #expect(Endpoints(flags: [:], adminToken: "flag", environment: ["ADMIN_TOKEN": "env"]).adminToken == "flag")
    }

    @Test func servicesAreNamedShortOrInFull() {
        #expect(Service(name: "payment") == .payment)
        #expect(Service(name: "projection-service") == .projection)
        #expect(Service(name: "shipping") == nil)
    }

    @Test func filtersBecomeTheAdminAPIsQueryParameters() {
        let filter = DeadLetterFilter(eventType: "PaymentAuthorized", since: "2026-11-22T17:00:00Z", until: "2026-11-23T00:00:00Z")
        #expect(filter.query.map { "\($0.0)=\($0.1)" }
            == ["eventType=PaymentAuthorized", "parkedAfter=2026-11-22T17:00:00Z", "parkedBefore=2026-11-23T00:00:00Z"])
    }

    @Test func aBulkOperationWithoutFilterNeedsAll() throws {
        #expect(throws: SagaCtlError.self) { try DeadLetterFilter().bulkQuery(all: false) }
        #expect(try DeadLetterFilter().bulkQuery(all: true).map { "\($0.0)=\($0.1)" } == ["all=true"])
        #expect(try DeadLetterFilter(reason: "r").bulkQuery(all: false).map { "\($0.0)=\($0.1)" } == ["reason=r"])
    }
}
