/// The line a rebuild's progress is drawn as on a terminal: `[#####-----]  50%  150/300 events  catching_up`.
public enum ProgressBar {
    public static func render(done: Int, total: Int, width: Int = 30, label: String) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let percent = Int((fraction * 100).rounded(.down))
        let percentText = String(repeating: " ", count: max(0, 3 - String(percent).count)) + "\(percent)%"
        return "[\(bar)] \(percentText)  \(done)/\(total) events  \(label)"
    }
}
