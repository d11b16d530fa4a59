import Foundation
import StepTreePluginHost
import StepTreePluginProtocol
import Testing

@Suite("Conformance: transcripts and edge cases", .serialized)
struct ConformanceTests {
    typealias S = PluginTestSupport

    static func transcripts() throws -> [Transcript] {
        try Transcript.all(in: S.packageRoot + "/Plugins/Transcripts/v1")
    }

    @Test func everyTranscriptPassesAgainstVerifierEcho() async throws {
        let transcripts = try Self.transcripts()
        #expect(transcripts.count >= 15)
        let results = await PluginConformance.check(executable: S.product("verifier-echo"), transcripts: transcripts)
        #expect(results.count == transcripts.count + 1) // plus the generated full-batch edge case
        for r in results {
            #expect(r.passed, "\(r.name): \(r.failure ?? r.skipped ?? "")")
        }
    }

    @Test func verifierAnswerPassesTheGenericTranscripts() async throws {
        let results = await PluginConformance.check(executable: S.product("verifier-answer"), transcripts: try Self.transcripts())
        #expect(results.filter { $0.failure != nil }.isEmpty, "\(results.filter { $0.failure != nil })")
        #expect(results.filter { $0.skipped != nil }.count == 5) // the echo-only golden transcripts
    }

    @Test func misbehavingPluginFailsWithReasons() async throws {
        let results = await PluginConformance.check(executable: S.misbehaving, arguments: ["garbage"],
                                                    transcripts: try Self.transcripts(), timeout: 2)
        let batch = try #require(results.first { $0.name == "verify-batch" })
        #expect(batch.failure?.contains("not a protocol message") == true)
        #expect(batch.failure?.contains("Loading weights") == true)
        let exitAtStart = await PluginConformance.check(executable: S.misbehaving, arguments: ["exit-at-start"], transcripts: [])
        #expect(exitAtStart.count == 1 && exitAtStart[0].failure?.contains("exit status 3") == true)
    }

    @Test func oversizeInputLineGetsAnErrorAndServiceContinues() async throws {
        let folder = NSTemporaryDirectory() + "steptree-transcript-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lines: [JSON] = [
            ["transcript": "oversize", "plugin": "any"],
            ["send": ["jsonrpc": "2.0", "id": 0, "method": "initialize", "params": ["protocolVersion": 1, "clientInfo": ["name": "t", "version": "0"]]]],
            ["expect": ["id": 0, "result": ["protocolVersion": 1]]],
            ["sendRaw": .string(#"{"jsonrpc":"2.0","id":1,"method":"verify","params":{"pad":""# + String(repeating: "x", count: 5000) + #""}}"#)],
            ["expect": ["id": nil, "error": ["code": -32003]]],
            ["send": ["jsonrpc": "2.0", "id": 2, "method": "shutdown"]],
            ["expect": ["id": 2, "result": nil]],
        ]
        try lines.map(\.text).joined(separator: "\n").write(toFile: folder + "/oversize.jsonl", atomically: true, encoding: .utf8)
        let results = await PluginConformance.check(executable: S.product("verifier-echo"), arguments: ["--max-line-bytes", "1000"],
                                                    transcripts: try Transcript.all(in: folder))
        #expect(results.first?.name == "oversize" && results.first?.passed == true, "\(results)")
    }

    @Test func matcherRules() throws {
        let actual: JSON = ["id": 1, "result": ["results": [["id": "a", "status": "ok", "score": 0.5, "extra": true]]]]
        #expect(Transcript.mismatch(["id": 1, "result": ["results": [["id": "a", "status": "<status>", "score": "<score>"]]]], actual) == nil)
        #expect(Transcript.mismatch(["id": 2], actual) == "$.id: expected 2, got 1")
        #expect(Transcript.mismatch(["result": ["results": []]], actual) != nil)
        #expect(Transcript.mismatch(["result": ["results": [["score": "<string>"]]]], actual) != nil)
        #expect(Transcript.mismatch(["missing": "<any>"], actual) == "$.missing: missing")
        #expect(Transcript.mismatch(["result": ["results": [["status": "<status>"]]]], ["result": ["results": [["status": "wrong"]]]]) != nil)
    }
}
