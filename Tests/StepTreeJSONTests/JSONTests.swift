import Foundation
import StepTreeJSON
import Testing

/// StepTree's one JSON type: the parser against RFC 8259 (and Foundation), the writer, `Codable`.
@Suite struct JSONTests {
    @Test(arguments: [
        #"{"a":[1,-2.5,1e3,true,false,null],"b":"x\"y\\z\n\u00e9\ud83d\ude00"}"#,
        #"[]"#, #"{}"#, #" 0 "#, #""\/\b\f\r\t""#, #"123456789012345678901"#,
    ])
    func parsesValidJSON(text: String) throws {
        let value = try JSON.parse(text)
        let reparsed = try JSON.parse(value.text)
        #expect(reparsed == value)
        // Foundation agrees on what is valid JSON.
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil)
    }

    @Test func decodesEscapesAndNumbers() throws {
        let value = try JSON.parse(#"{"s":"x\"y\\z\n\u00e9\ud83d\ude00","n":-2.5,"i":42,"e":1E2}"#)
        #expect(value["s"] == "x\"y\\z\né😀")
        #expect(value["n"] == -2.5 && value["i"]?.int == 42 && value["e"] == 100)
        #expect(JSON.string("tab\t\u{01}").text == #""tab\t\u0001""#)
        #expect(JSON.number(.nan).text == "null")
        #expect(JSON.object(["b": 1, "a": [true, nil]]).text == #"{"a":[true,null],"b":1}"#)
    }

    @Test(arguments: [
        "", "{", "1e400", "-2E309", #"{"a" 1}"#, "[1,]", "01", "1.", "-", "tru", #""\x""#, #""\ud800""#, "[1] 2", "\"a\u{01}b\"", "{\"a\":1,}",
    ])
    func rejectsInvalidJSON(text: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSON.parse(text) }
        #expect(error?.description.hasPrefix("invalid JSON at byte \(error?.offset ?? -1): ") == true)
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        let error = #expect(throws: JSONSyntaxError.self) { try JSON.parse(bytes) }
        #expect(error?.message.contains("invalid UTF-8") == true)
        #expect(error?.offset == 6)
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONSyntaxError.self) { try JSON.parse(text) }
    }

    @Test func scalarTextReadsStringsNumbersAndBooleans() {
        #expect(JSON.string("7").scalarText == "7")
        #expect(JSON.number(7).scalarText == "7")
        #expect(JSON.number(2.5).scalarText == "2.5")
        #expect(JSON.bool(true).scalarText == "true")
        #expect(JSON.null.scalarText == nil && JSON.array([1]).scalarText == nil)
        #expect(JSON.string("7").number == nil)  // the typed accessors do not convert
    }

    @Test func codableWritesIntegralNumbersWithoutAFraction() throws {
        let value: JSON = ["n": 3, "x": 2.5, "a": [nil, true, "s"]]
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        #expect(text.contains(#""n":3"#) && text.contains(#""x":2.5"#))
        #expect(try JSONDecoder().decode(JSON.self, from: Data(text.utf8)) == value)
    }

    /// Random values: written text parses back to the same value, and `Codable` agrees.
    @Test func randomValuesRoundTrip() throws {
        var rng = SplitMix(seed: 7)
        for _ in 0..<500 {
            let value = rng.value(depth: 0)
            #expect(try JSON.parse(value.text) == value, "\(value.text)")
            #expect(try JSONDecoder().decode(JSON.self, from: JSONEncoder().encode(value)) == value)
        }
    }

    /// Damaged text (bytes replaced, dropped or inserted) is either JSON or a `JSONSyntaxError`,
    /// never a crash or another error, and Foundation's parser agrees on which.
    @Test func damagedTextIsJSONOrASyntaxError() {
        var rng = SplitMix(seed: 11)
        let alphabet = Array(#"{}[]:,"\ 0123456789.eE+-truefalsnl"#.utf8) + [0x80, 0xC3, 0xFF, 0x01]
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = Array(rng.value(depth: 0).text.utf8)
            for _ in 0..<(1 + rng.next(3)) {
                let at = rng.next(bytes.count + 1)
                switch rng.next(3) {
                case 0 where at < bytes.count: bytes[at] = alphabet[rng.next(alphabet.count)]
                case 1 where at < bytes.count: bytes.remove(at: at)
                default: bytes.insert(alphabet[rng.next(alphabet.count)], at: at)
                }
            }
            let ours: Bool
            do { _ = try JSON.parse(bytes); ours = true } catch is JSONSyntaxError { ours = false } catch {
                Issue.record("\(error) is not a JSONSyntaxError")
                return
            }
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil
            #expect(ours == foundation, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            if ours { accepted += 1 }
        }
        #expect(accepted > 100)  // the damage leaves some texts valid, so both answers are exercised
    }
}

/// A small seeded generator of random JSON values (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(1, bound)))
    }

    mutating func value(depth: Int) -> JSON {
        switch next(depth < 3 ? 7 : 5) {
        case 0: return .null
        case 1: return .bool(next(2) == 0)
        case 2: return .number(Double(next(2_000_001) - 1_000_000) / Double([1, 10, 1000][next(3)]))
        case 3:
            let pieces: [String] = ["a", "é", "\"", "\\", "\n", "\u{01}", "😀", " "]
            return .string((0..<next(6)).map { _ in pieces[next(pieces.count)] }.joined())
        case 4: return .number(Double(next(100)))
        case 5: return .array((0..<next(4)).map { _ in value(depth: depth + 1) })
        default:
            var members: [String: JSON] = [:]
            for _ in 0..<next(4) { members["k\(next(5))"] = value(depth: depth + 1) }
            return .object(members)
        }
    }
}
