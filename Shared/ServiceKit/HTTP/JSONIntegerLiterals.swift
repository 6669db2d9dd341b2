import Foundation

/// Finds the numbers of a JSON text that are not written as integers.
///
/// Every number a request body carries is an integer (money in minor units, quantities,
/// versions), and `JSONDecoder` reads `1.0` or `1e3` into an `Int` without a word. A price of
/// `12.0` is most likely a client thinking in dollars, not a price of 12 cents, so the services
/// refuse a number written with a fraction or an exponent wherever it stands in a body
/// (docs/API.md, "Numbers").
enum JSONIntegerLiterals {
    /// A number written with a fraction or an exponent: where it stands and how it was written.
    struct Finding: Equatable {
        /// `items[0].unitPrice`, `amount`; `$` for a number that is the whole document.
        var path: String
        var literal: String
    }

    /// The first number of `json` written with a `.`, `e` or `E`, or `nil` when every number is
    /// an integer literal. `json` is a text `JSONDecoder` has accepted; the scan is iterative, so
    /// nesting depth costs no stack.
    static func firstNonInteger(in json: Data) -> Finding? {
        let bytes = [UInt8](json)
        var containers: [Container] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                containers.append(.object(key: nil, expectingKey: true))
                index += 1
            case UInt8(ascii: "["):
                containers.append(.array(index: 0))
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = containers.popLast()
                index += 1
            case UInt8(ascii: ","):
                switch containers.last {
                case .array(let position): containers[containers.count - 1] = .array(index: position + 1)
                case .object: containers[containers.count - 1] = .object(key: nil, expectingKey: true)
                case nil: break
                }
                index += 1
            case UInt8(ascii: "\""):
                let end = Self.endOfString(bytes, openingAt: index)
                if case .object(_, true) = containers.last {
                    containers[containers.count - 1] = .object(key: Self.decodeKey(bytes[index..<end]), expectingKey: false)
                }
                index = end
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var end = index
                var integral = true
                while end < bytes.count, Self.numberBytes.contains(bytes[end]) {
                    if bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "e") || bytes[end] == UInt8(ascii: "E") {
                        integral = false
                    }
                    end += 1
                }
                if !integral {
                    return Finding(path: Self.path(containers), literal: String(decoding: bytes[index..<end], as: UTF8.self))
                }
                index = end
            default:
                index += 1  // whitespace, `:`, and the letters of true, false, null
            }
        }
        return nil
    }

    private enum Container {
        case object(key: String?, expectingKey: Bool)
        case array(index: Int)
    }

    private static let numberBytes = Set("0123456789+-.eE".utf8)

    /// The index just past the closing quote of the string opening at `start`.
    private static func endOfString(_ bytes: [UInt8], openingAt start: Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return index
    }

    /// A key as the client meant it (escapes decoded), from its quoted bytes.
    private static func decodeKey(_ quoted: ArraySlice<UInt8>) -> String {
        if !quoted.contains(UInt8(ascii: "\\")) {
            return String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
        }
        return (try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? String(decoding: quoted, as: UTF8.self)
    }

    /// `items[0].unitPrice`: the keys and indices of the containers the number stands in.
    private static func path(_ containers: [Container]) -> String {
        var text = ""
        for container in containers {
            switch container {
            case .object(let key, _): text += (text.isEmpty ? "" : ".") + (key ?? "")
            case .array(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "$" : text
    }
}
