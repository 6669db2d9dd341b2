import ConsoleAssets
import Foundation
import Testing

/// The console's files compiled into the binary are exactly the files in Services/Projection/Console/.
@Suite("console assets")
struct ConsoleAssetsTests {
    /// Services/Projection/Console/, found from this file's path.
    let directory: URL

    init(filePath: String = #filePath) {
        directory = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Services/Projection/Console")
    }

    private func fileNames() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") })
    }

    @Test func everyConsoleFileIsEmbeddedAndNothingElse() throws {
        let names = try fileNames()
        #expect(!names.isEmpty, "no files in \(directory.path)")
        #expect(Set(ConsoleAssets.all.keys) == names, "run `make console-assets` after adding or removing a console file")
    }

    @Test func embeddedBytesEqualTheFiles() throws {
        for name in try fileNames() {
            let file = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
            let asset = try #require(ConsoleAssets.asset(named: name), "\(name) is not embedded: run `make console-assets`")
            let same = asset.bytes == file
            #expect(same, "\(name) changed since it was embedded (\(asset.bytes.count) bytes embedded, \(file.count) in the file): run `make console-assets`")
        }
    }

    @Test func theIndexPageIsEmbeddedAsHTML() throws {
        let index = try #require(ConsoleAssets.asset(named: ConsoleAssets.indexName))
        #expect(index.contentType == "text/html; charset=utf-8")
        #expect(ConsoleAssets.asset(named: "console.js")?.contentType == "text/javascript; charset=utf-8")
        #expect(ConsoleAssets.asset(named: "console.css")?.contentType == "text/css; charset=utf-8")
    }

    @Test func theConsoleLoadsNothingFromAnotherOrigin() throws {
        for asset in ConsoleAssets.all.values {
            // The SVG namespace is a name, not an address that is loaded.
            let text = String(decoding: asset.bytes, as: UTF8.self).replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
                    "\(asset.name) names an external URL; the console must work offline")
        }
    }

    @Test func anUnknownNameHasNoAsset() {
        #expect(ConsoleAssets.asset(named: "../Package.swift") == nil)
        #expect(ConsoleAssets.asset(named: "") == nil)
    }
}
