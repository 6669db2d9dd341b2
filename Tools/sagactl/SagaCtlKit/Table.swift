/// A plain text table with columns aligned to their widest cell (counted in characters).
public struct Table: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]]) {
        self.headers = headers
        self.rows = rows
    }

    /// The table with two spaces between columns and no trailing spaces.
    public func render() -> String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.printable(cell).count)
            }
        }
        return all.map { row in
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                let text = Self.printable(cell)
                line += index == row.count - 1 ? text : text + String(repeating: " ", count: widths[index] - text.count + 2)
            }
            return line
        }.joined(separator: "\n")
    }

    /// A cell with control characters (a newline in an error message) shown as spaces, so one row stays one line.
    static func printable(_ cell: String) -> String {
        String(String.UnicodeScalarView(cell.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }
}
