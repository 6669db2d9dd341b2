import Contracts
import Foundation
import Logging

extension LoggingSystem {
    /// Installs the process-wide log handler: human-readable text, or one JSON object per line.
    /// Every line written while an HTTP request is served carries its `request.id`.
    public static func bootstrap(level: Logger.Level, format: ServiceConfiguration.LogFormat) {
        bootstrap({ label, metadataProvider in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
            case .json: JSONLogHandler(label: label, metadataProvider: metadataProvider)
            }
            handler.logLevel = level
            return handler
        }, metadataProvider: RequestID.metadataProvider)
    }
}

/// Writes each record as one JSON line on standard error: time, level, label, message and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var record: [String: String] = [
            "time": Timestamp.format(Date()),
            "level": event.level.rawValue,
            "label": label,
            "message": "\(event.message)",
        ]
        let provided = metadataProvider?.get() ?? [:]
        for (key, value) in metadata.merging(provided, uniquingKeysWith: { $1 }).merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            record[key] = "\(value)"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(line)
    }
}
