import Foundation
import StepTreePluginProtocol
import Testing

@Suite("Wire format")
struct WireTests {
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
        "", "{", #"{"a" 1}"#, "[1,]", "01", "1.", "-", "tru", #""\x""#, #""\ud800""#, "[1] 2", "\"a\u{01}b\"", "{\"a\":1,}",
    ])
    func rejectsInvalidJSON(text: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSON.parse(text) }
        #expect(error?.description.hasPrefix("invalid JSON at byte \(error?.offset ?? -1): ") == true)
        // A protocol line that is not JSON is the protocol's parse error.
        let lineError = #expect(throws: PluginProtocolError.self) { try Message.parse(Array(text.utf8)) }
        #expect(lineError?.code == .parseError)
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

    @Test func messagesRoundTrip() throws {
        let messages: [Message] = [
            .request(id: 7, method: "verify", params: ["kind": "outcome", "items": []]),
            .notification(method: "$/cancel", params: ["id": 7]),
            .response(id: "x", result: .null),
            .error(id: .null, error: PluginProtocolError(.parseError, "bad", data: ["at": 3])),
        ]
        for m in messages {
            let line = m.line
            #expect(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A })
            #expect(try Message.parse(line.dropLast()) == m)
        }
        #expect(throws: PluginProtocolError.self) { try Message.parse(Array(#"{"id":1,"method":"x"}"#.utf8)) }
        #expect(throws: PluginProtocolError.self) { try Message.parse(Array(#"{"jsonrpc":"2.0","id":1}"#.utf8)) }
        #expect(throws: PluginProtocolError.self) { try Message.parse(Array(#"{"jsonrpc":"2.0","id":[1],"method":"x"}"#.utf8)) }
    }

    @Test func fastLinesMatchTheGeneralWriterAndReader() throws {
        let params = VerifyParams(kind: .outcome, items: [
            VerifyItem(id: "a", problemID: "p", prompt: "q\n", fields: ["n": [1, 2], "s": "x"], reference: "4", steps: ["x\n", "é\"y"], finished: true),
            VerifyItem(id: "b", problemID: "p2", prompt: "", steps: [], finished: false),
        ], timeoutMs: 250)
        var text: [UInt8] = []
        params.write(to: &text)
        #expect(String(decoding: text, as: UTF8.self) == params.json.text)
        let line = Message.requestLine(id: 3, method: "verify", params: text)
        #expect(line == Message.request(id: 3, method: "verify", params: params.json).line)
        guard case .verifyRequest(let id, let decoded) = try WireDecoder.decode(line.dropLast()) else {
            Issue.record("not decoded on the fast path")
            return
        }
        #expect(id == 3 && decoded == params)
        #expect(Message.requestLine(id: 4, method: "shutdown", params: []) == Message.request(id: 4, method: "shutdown", params: .null).line)

        let result = VerifyResult(results: [ItemResult(id: "a", status: .ok, score: 0.5, stepScores: [1, 0], answer: "4", detail: "d"),
                                            ItemResult(id: "b", status: .timeout, score: 0)])
        var resultText: [UInt8] = Array(#"{"results":["#.utf8)
        for (i, r) in result.results.enumerated() {
            if i > 0 { resultText.append(UInt8(ascii: ",")) }
            r.write(to: &resultText)
        }
        resultText.append(contentsOf: "]}".utf8)
        #expect(String(decoding: resultText, as: UTF8.self) == result.json.text)
        let response = Message.responseLine(id: 3, result: resultText)
        guard case .verifyResponse(_, let back) = try WireDecoder.decode(response.dropLast(), isVerify: { $0 == 3 }) else {
            Issue.record("not decoded on the fast path")
            return
        }
        #expect(back == result)
        // Not a verify response for this id, or invalid params: the plain message comes back.
        guard case .message = try WireDecoder.decode(response.dropLast()) else { Issue.record("fast path taken"); return }
        let invalid = Array(#"{"id":1,"jsonrpc":"2.0","method":"verify","params":{"kind":"outcome","items":[{"id":"a"}]}}"#.utf8)
        guard case .message(.request(_, "verify", _)) = try WireDecoder.decode(invalid) else { Issue.record("fast path taken"); return }
    }

    @Test func verifyTypesRoundTripAndValidate() throws {
        let item = VerifyItem(id: "a", problemID: "p", prompt: "q", fields: ["n": [1, 2]], reference: "4",
                              steps: ["x\n", "y"], finished: false)
        let params = VerifyParams(kind: .step, items: [item], timeoutMs: 500)
        #expect(try VerifyParams(json: params.json) == params)
        let result = VerifyResult(results: [ItemResult(id: "a", status: .ok, score: 0.5, stepScores: [1, 0.5], answer: "4", detail: "d")])
        #expect(try VerifyResult(json: result.json) == result)
        let caps = PluginCapabilities(kinds: [.outcome, .step], maxBatch: 8, maxConcurrentRequests: 2, needsReference: true, stepTag: "ки")
        #expect(try PluginCapabilities(json: caps.json) == caps)
        #expect(try PluginCapabilities(json: ["kinds": ["outcome", "pairwise"], "future": 1]).kinds == [.outcome])
        let badScore = #expect(throws: PluginProtocolError.self) {
            try VerifyResult(json: ["results": [["id": "a", "status": "ok", "score": 1.5]]])
        }
        #expect(badScore?.message.contains("result.results[0].score") == true)
        #expect(throws: PluginProtocolError.self) { try VerifyResult(json: ["results": [["id": "a", "status": "wrong", "score": 0]]]) }
        let missing = #expect(throws: PluginProtocolError.self) { try VerifyParams(json: ["kind": "outcome", "items": [["id": "a"]]]) }
        #expect(missing?.message.contains("params.items[0].problem") == true)
    }

    @Test func lineReaderSplitsAndLimits() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let input = "one\n\(String(repeating: "x", count: 100))\ntwo\nlast"
        _ = input.withCString { write(fds[1], $0, strlen($0)) }
        close(fds[1])
        var reader = LineReader(fd: fds[0], maxLineBytes: 50)
        var seen: [String] = []
        while let line = reader.next() {
            switch line {
            case .line(let bytes): seen.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let size): seen.append("tooLong \(size >= 50)")
            }
        }
        close(fds[0])
        #expect(seen == ["one", "tooLong true", "two", "last"])
    }
}
