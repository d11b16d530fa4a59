import Foundation
import StepTreeCore
import Testing
@testable import StepTreeHTTP

/// Request and response bodies: `JSON.encoded()` and `JSON.decode(_:)`, whose errors are the client's.
@Suite struct JSONBodyTests {
    @Test func parsesEveryKindOfValue() throws {
        let text = #" {"a": [1, -2.5, 3e2, true, false, null], "s": "x\"y\\z\n\t\u00e9\ud83d\ude00", "o": {}} "#
        let v = try JSON.decode(Data(text.utf8))
        #expect(v["a"] == [1, -2.5, 300, true, false, nil])
        #expect(v["s"] == .string("x\"y\\z\n\té😀"))
        #expect(v["o"] == .object([:]))
    }

    @Test func encodingRoundTrips() throws {
        let v: JSON = ["prompt": "line\n\"quoted\"\u{01}é", "ids": [1, 2, 151_644], "t": 0.8, "b": true, "n": nil]
        let text = String(decoding: v.encoded(), as: UTF8.self)
        #expect(text.contains(#""ids":[1,2,151644]"#))
        #expect(text.contains(#"\u0001"#))
        #expect(try JSON.decode(Data(text.utf8)) == v)
        // Foundation agrees that it is JSON.
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
    }

    @Test(arguments: [#"{"a": }"#, #"[1, 2"#, #"{"a": 1} x"#, #""open"#, "tru"])
    func rejectsBrokenJSONNamingTheOffset(_ text: String) {
        #expect {
            try JSON.decode(Data(text.utf8))
        } throws: { error in
            guard let e = error as? HTTPGeneratorError else { return false }
            return e.code == .badResponse && e.message.contains("JSON at byte")
        }
    }
}
