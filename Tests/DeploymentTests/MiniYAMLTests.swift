import Testing

/// The reader the deployment tests use must read what compose.yaml writes, and refuse what it
/// cannot read rather than misread it.
@Suite("MiniYAML")
struct MiniYAMLTests {
    @Test func readsNestedMappingsSequencesAndQuotedScalars() throws {
        let value = try MiniYAML.parse("""
            # a comment
            services:
              web:
                command: ["web", 'a, b']   # trailing comment
                environment:
                  URL: "http://x:1/#frag"
                ports:
                - "8080:8080"
                empty:
            volumes:
              data:
            """)
        #expect(value["services"]?["web"]?["command"]?.strings == ["web", "a, b"])
        #expect(value["services"]?["web"]?["environment"]?["URL"]?.string == "http://x:1/#frag")
        #expect(value["services"]?["web"]?["ports"]?.strings == ["8080:8080"])
        #expect(value["volumes"]?.keys == ["data"])
    }

    @Test(arguments: [
        "a: &anchor 1",
        "a: *alias",
        "<<: {}",
        "a: |\n  text",
        "a:\n  - b: c",
        "a: {b: c}",
        "a: 1\na: 2",
        "a:\n    b: 1\n  c: 2",
    ])
    func refusesWhatItDoesNotUnderstand(source: String) {
        #expect(throws: YAMLSyntaxError.self) { try MiniYAML.parse(source) }
    }
}
