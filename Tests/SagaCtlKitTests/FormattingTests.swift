import Foundation
import Testing
@testable import SagaCtlKit

@Suite struct FormattingTests {
    @Test func tableColumnsAlignToTheWidestCellWithoutTrailingSpaces() {
        let table = Table(headers: ["ID", "STATUS"], rows: [["order-1", "PENDING"], ["o2", "CONFIRMED"]])
        #expect(table.render() == """
            ID       STATUS
            order-1  PENDING
            o2       CONFIRMED
            """)
    }

    @Test func aNewlineInACellDoesNotBreakTheRow() {
        let table = Table(headers: ["ERROR"], rows: [["line one\nline two"]])
        #expect(table.render() == "ERROR\nline one line two")
    }

    @Test func theProgressBarFillsWithTheShareOfEventsApplied() {
        #expect(ProgressBar.render(done: 150, total: 300, width: 10, label: "catching_up")
            == "[#####-----]  50%  150/300 events  catching_up")
        #expect(ProgressBar.render(done: 0, total: 0, width: 4, label: "switching") == "[----]   0%  0/0 events  switching")
        #expect(ProgressBar.render(done: 9, total: 3, width: 4, label: "x") == "[####] 100%  9/3 events  x")
    }

    @Test func prometheusSamplesAreSummedOverTheirLabelsAndAnAbsentMetricIsNil() {
        let text = """
            # TYPE dead_letters_parked gauge
            dead_letters_parked 3
            outbox_set_aside{service="order-service"} 1
            outbox_set_aside{service="other"} 2
            dead_letters_parked_total 99
            """
        #expect(PrometheusText.sum(of: "dead_letters_parked", in: text) == 3)
        #expect(PrometheusText.sum(of: "outbox_set_aside", in: text) == 3)
        #expect(PrometheusText.sum(of: "outbox_backlog", in: text) == nil)
    }

    @Test func jsonOutputHasSortedKeysAndKeepsALeadingByteOrderMark() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"b":1,"a":"\ufeffc-1","c":[true,null,2.5]}"#.utf8))
        #expect(try JSONValue.render(value, pretty: false) == "{\"a\":\"\u{FEFF}c-1\",\"b\":1,\"c\":[true,null,2.5]}")
    }
}
