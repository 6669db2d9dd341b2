import Testing
@testable import SagaCtlKit

@Suite struct ItemSpecTests {
    @Test func aLineIsSkuQuantityAndUnitPrice() throws {
        #expect(try ItemSpec(parsing: "SKU-1:2:1250") == ItemSpec(sku: "SKU-1", quantity: 2, unitPrice: 1250))
    }

    @Test func aSkuMayContainColonsBecauseQuantityAndPriceAreTheLastTwoFields() throws {
        #expect(try ItemSpec(parsing: "shelf:A:3:1:0") == ItemSpec(sku: "shelf:A:3", quantity: 1, unitPrice: 0))
    }

    @Test(arguments: ["SKU-1", "SKU-1:2", ":2:100", "SKU-1:0:100", "SKU-1:x:100", "SKU-1:2:-1", "SKU-1:2:1.5"])
    func aMalformedLineIsAUsageErrorThatNamesIt(text: String) {
        do {
            _ = try ItemSpec(parsing: text)
            Issue.record("\(text) was accepted")
        } catch let error as SagaCtlError {
            #expect(error.status == .usage)
            #expect(error.code == "invalid_argument")
            #expect(error.message.contains(text))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theLineIsSentAsPostOrdersTakesIt() throws {
        let json = try JSONValue.render(ItemSpec(sku: "a/b", quantity: 2, unitPrice: 1250).json, pretty: false)
        #expect(json == #"{"quantity":2,"sku":"a/b","unitPrice":1250}"#)
    }
}
