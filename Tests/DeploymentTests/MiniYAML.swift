import Foundation

/// A reader for the small part of YAML that compose.yaml keeps to, so that the deployment tests
/// need no YAML library: block mappings (`key: value`, `key:` + indented block), block sequences
/// of scalars (`- item`), flow sequences of scalars (`["a", "b"]`), plain, single- and
/// double-quoted scalars, and `#` comments. Anything else (anchors, aliases, merge keys, block
/// scalars, flow mappings, mappings inside sequences, tabs) is rejected with an error naming the
/// line, so that a drift in the file's style fails the tests loudly instead of being misread.
enum YAMLValue {
    case null
    case scalar(String)
    case sequence([YAMLValue])
    case mapping([(key: String, value: YAMLValue)])

    /// The value under `key` when this is a mapping.
    subscript(key: String) -> YAMLValue? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The keys of a mapping, in file order (empty for anything else).
    var keys: [String] {
        guard case .mapping(let entries) = self else { return [] }
        return entries.map(\.key)
    }

    var string: String? {
        guard case .scalar(let text) = self else { return nil }
        return text
    }

    /// The scalars of a sequence (nil when this is not a sequence of scalars).
    var strings: [String]? {
        guard case .sequence(let items) = self else { return nil }
        let texts = items.compactMap(\.string)
        return texts.count == items.count ? texts : nil
    }
}

struct YAMLSyntaxError: Error, CustomStringConvertible {
    let line: Int
    let reason: String
    var description: String { "compose.yaml line \(line): \(reason)" }
}

enum MiniYAML {
    private struct Line {
        let number: Int
        let indent: Int
        let text: String
    }

    static func parse(_ source: String) throws -> YAMLValue {
        var lines: [Line] = []
        for (index, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let withoutComment = try stripComment(String(raw), line: number)
            let trimmed = withoutComment.trimmingTrailingSpaces()
            guard !trimmed.allSatisfy({ $0 == " " }) else { continue }
            let indent = trimmed.prefix { $0 == " " }.count
            if trimmed.dropFirst(indent).first == "\t" || trimmed.hasPrefix("\t") {
                throw YAMLSyntaxError(line: number, reason: "tabs are not supported")
            }
            let text = String(trimmed.dropFirst(indent))
            if text == "---" || text == "..." {
                throw YAMLSyntaxError(line: number, reason: "document markers are not supported")
            }
            lines.append(Line(number: number, indent: indent, text: text))
        }
        guard let first = lines.first else { return .null }
        var position = 0
        let value = try parseBlock(lines, &position, indent: first.indent)
        if position < lines.count {
            throw YAMLSyntaxError(line: lines[position].number, reason: "unexpected indentation")
        }
        return value
    }

    // MARK: Blocks

    private static func parseBlock(_ lines: [Line], _ position: inout Int, indent: Int) throws -> YAMLValue {
        isSequenceItem(lines[position].text)
            ? try parseSequence(lines, &position, indent: indent)
            : try parseMapping(lines, &position, indent: indent)
    }

    private static func isSequenceItem(_ text: String) -> Bool {
        text == "-" || text.hasPrefix("- ")
    }

    private static func parseMapping(_ lines: [Line], _ position: inout Int, indent: Int) throws -> YAMLValue {
        var entries: [(key: String, value: YAMLValue)] = []
        while position < lines.count {
            let line = lines[position]
            if line.indent < indent { break }
            if line.indent > indent {
                throw YAMLSyntaxError(line: line.number, reason: "unexpected indentation")
            }
            if isSequenceItem(line.text) { break }
            guard let colon = keySeparator(in: line.text) else {
                throw YAMLSyntaxError(line: line.number, reason: "expected `key: value`")
            }
            let key = try scalar(String(line.text[..<colon]), line: line.number)
            if key == "<<" {
                throw YAMLSyntaxError(line: line.number, reason: "merge keys are not supported")
            }
            if entries.contains(where: { $0.key == key }) {
                throw YAMLSyntaxError(line: line.number, reason: "duplicate key `\(key)`")
            }
            let rest = line.text[line.text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            position += 1
            let value: YAMLValue
            if !rest.isEmpty {
                value = try inlineValue(rest, line: line.number)
            } else if position < lines.count, lines[position].indent > indent {
                value = try parseBlock(lines, &position, indent: lines[position].indent)
            } else if position < lines.count, lines[position].indent == indent, isSequenceItem(lines[position].text) {
                // A sequence may sit at its key's own indentation.
                value = try parseSequence(lines, &position, indent: indent)
            } else {
                value = .null
            }
            entries.append((key: key, value: value))
        }
        return .mapping(entries)
    }

    private static func parseSequence(_ lines: [Line], _ position: inout Int, indent: Int) throws -> YAMLValue {
        var items: [YAMLValue] = []
        while position < lines.count {
            let line = lines[position]
            if line.indent != indent || !isSequenceItem(line.text) { break }
            let rest = line.text.dropFirst(1).trimmingCharacters(in: .whitespaces)
            position += 1
            if rest.isEmpty {
                guard position < lines.count, lines[position].indent > indent else {
                    items.append(.null)
                    continue
                }
                items.append(try parseBlock(lines, &position, indent: lines[position].indent))
            } else {
                if keySeparator(in: rest) != nil {
                    throw YAMLSyntaxError(line: line.number, reason: "mappings inside sequences are not supported")
                }
                items.append(try inlineValue(rest, line: line.number))
            }
        }
        return .sequence(items)
    }

    // MARK: Inline values

    private static func inlineValue(_ text: String, line: Int) throws -> YAMLValue {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else {
                throw YAMLSyntaxError(line: line, reason: "a flow sequence must end on its line")
            }
            let inner = String(text.dropFirst().dropLast())
            if inner.trimmingCharacters(in: .whitespaces).isEmpty { return .sequence([]) }
            return .sequence(try splitFlowItems(inner, line: line).map { .scalar(try scalar($0, line: line)) })
        }
        return .scalar(try scalar(text, line: line))
    }

    private static func scalar(_ raw: String, line: Int) throws -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else {
                throw YAMLSyntaxError(line: line, reason: "unterminated double-quoted scalar")
            }
            var result = ""
            var escaping = false
            for character in text.dropFirst().dropLast() {
                if escaping {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    default: result.append(character)
                    }
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else {
                    result.append(character)
                }
            }
            return result
        }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else {
                throw YAMLSyntaxError(line: line, reason: "unterminated single-quoted scalar")
            }
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if let first = text.first, "&*!|>{[%@`".contains(first) {
            throw YAMLSyntaxError(line: line, reason: "`\(first)` (anchors, aliases, tags, block scalars, flow mappings) is not supported")
        }
        return text
    }

    /// Splits the inside of a flow sequence at the commas outside quotes.
    private static func splitFlowItems(_ text: String, line: Int) throws -> [String] {
        var items: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "\"" || character == "'" {
                quote = character
                current.append(character)
            } else if character == "," {
                items.append(current)
                current = ""
            } else if character == "[" || character == "{" {
                throw YAMLSyntaxError(line: line, reason: "nested flow collections are not supported")
            } else {
                current.append(character)
            }
        }
        if quote != nil { throw YAMLSyntaxError(line: line, reason: "unterminated quote") }
        items.append(current)
        return items
    }

    // MARK: Lexical helpers

    /// The index of the `:` that ends a mapping key: the first one outside quotes that is
    /// followed by a space or ends the line.
    private static func keySeparator(in text: String) -> String.Index? {
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if let open = quote {
                if character == open { quote = nil }
            } else if (character == "\"" || character == "'") && index == text.startIndex {
                quote = character
            } else if character == "[" && index == text.startIndex {
                return nil
            } else if character == ":" && (next == text.endIndex || text[next] == " ") {
                return index
            }
            index = next
        }
        return nil
    }

    /// Removes a comment: `#` at the start of the content or after a space, outside quotes.
    private static func stripComment(_ line: String, line number: Int) throws -> String {
        var quote: Character?
        var previous: Character = " "
        var result = ""
        for character in line {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                // Quotes only open a quoted scalar at the start of a value.
                if previous == " " || previous == "[" || previous == "," { quote = character }
            } else if character == "#" && previous == " " {
                break
            }
            result.append(character)
            previous = character
        }
        return result
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " || copy.last == "\r" { copy.removeLast() }
        return copy
    }
}
