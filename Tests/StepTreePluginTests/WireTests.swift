import Foundation
import StepTreePluginProtocol
import Testing

@Suite("Wire format")
struct WireTests {
    @Test(arguments: ["", "{", "[1,]", "tru", "[1] 2"])
    func aLineThatIsNotJSONIsAParseError(text: String) {
        let error = #expect(throws: PluginProtocolError.self) { try Message.parse(Array(text.utf8)) }
        #expect(error?.code == .parseError)
        #expect(error?.message.hasPrefix("invalid JSON at byte ") == true)
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
