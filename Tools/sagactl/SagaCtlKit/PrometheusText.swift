/// Reads values from a service's `GET /metrics` (Prometheus text format).
public enum PrometheusText {
    /// The sum of every sample of the metric `name` (all label sets), nil when the metric is absent.
    public static func sum(of name: String, in text: String) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2 else { continue }
            let series = fields[0]
            let metric = series.split(separator: "{", maxSplits: 1)[0]
            guard metric == name, let value = Double(fields[1]) else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
