import Foundation

/// The web console's files (HTML, CSS, JavaScript), compiled into the binary.
///
/// The files live in `Services/Projection/Console/`; `scripts/embed-console-assets.py` writes
/// their bytes into `ConsoleAssets+Embedded.swift`, and a test checks that the two agree. Being
/// Swift source, they travel inside the static executable of the container image too.
public enum ConsoleAssets {
    /// One file of the console.
    public struct Asset: Sendable, Equatable {
        /// The file name, such as `console.js`.
        public var name: String
        /// The `Content-Type` to serve it with.
        public var contentType: String
        /// The file's bytes.
        public var bytes: [UInt8]
    }

    /// The page the console starts from.
    public static let indexName = "index.html"

    /// Every file of the console, by name.
    public static let all: [String: Asset] = Dictionary(uniqueKeysWithValues: embedded.map { file in
        (file.name, Asset(name: file.name, contentType: file.contentType, bytes: file.decodedBytes))
    })

    /// The file called `name`, if the console has one.
    public static func asset(named name: String) -> Asset? { all[name] }

    /// A file as the generated source holds it: base64 in lines.
    struct EmbeddedFile: Sendable {
        var name: String
        var contentType: String
        var base64: [String]

        var decodedBytes: [UInt8] {
            guard let data = Data(base64Encoded: base64.joined()) else {
                preconditionFailure("ConsoleAssets+Embedded.swift holds invalid base64 for \(name): run scripts/embed-console-assets.py")
            }
            return [UInt8](data)
        }
    }
}
