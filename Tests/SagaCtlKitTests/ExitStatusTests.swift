import Testing
@testable import SagaCtlKit

@Suite struct ExitStatusTests {
    @Test(arguments: [
        (400, SagaCtlKit.ExitStatus.usage), (413, .usage), (415, .usage), (404, .notFound), (409, .rejected),
        (401, .rejected), (403, .rejected), (500, .serverError), (503, .serverError),
    ])
    func everyHttpFailureMapsToOneDocumentedExitCode(status: Int, expected: SagaCtlKit.ExitStatus) {
        #expect(SagaCtlKit.ExitStatus(httpStatus: status) == expected)
    }

    @Test func theCodesAreTheDocumentedNumbers() {
        #expect(SagaCtlKit.ExitStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5])
    }

    @Test func aContractErrorBodyGivesItsCodeAndMessage() {
        let response = APIResponse(
            status: 409,
            body: .object(["error": .object(["code": .string("rebuild_running"), "message": .string("Rebuild r-1 is still running.")])]),
            headers: [:])
        let error = APIClient.failure(response, service: .projection, method: "POST", path: "/admin/rebuild")
        #expect(error.status == .rejected)
        #expect(error.code == "rebuild_running")
        #expect(error.message == "projection-service: Rebuild r-1 is still running.")
    }

    @Test func aBodyWithoutTheErrorShapeStillSaysTheStatus() {
        let response = APIResponse(status: 502, body: .null, headers: [:])
        let error = APIClient.failure(response, service: .order, method: "GET", path: "/orders/x")
        #expect(error.status == .serverError)
        #expect(error.code == "http_502")
    }
}
