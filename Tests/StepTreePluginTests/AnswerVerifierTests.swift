import Foundation
import StepTreeCore
import StepTreePluginHost
import Testing

/// verifier-answer, run as a real process through the host, against the case table in
/// Tests/Fixtures/plugins/answer-cases.jsonl (`equal`: true, false, or null for "no answer").
@Suite("verifier-answer", .serialized)
struct AnswerVerifierTests {
    typealias S = PluginTestSupport

    struct Case {
        var completion: String
        var reference: String
        var equal: Bool?
        var note: String
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOfFile: S.packageRoot + "/Tests/Fixtures/plugins/answer-cases.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return Case(completion: o["completion"] as! String, reference: o["reference"] as! String,
                        equal: o["equal"] as? Bool, note: o["note"] as! String)
        }
    }

    @Test func caseTable() async throws {
        let cases = try Self.cases()
        #expect(cases.count >= 200)
        #expect(cases.filter { $0.equal == false }.count >= 50)
        let answer = try await PluginEvaluator.launch(executable: S.product("verifier-answer"), options: S.options(LogSink()))
        let items = cases.map { S.item([$0.completion], reference: $0.reference) }
        let outcomes = await answer.evaluate(items)
        for (c, o) in zip(cases, outcomes) {
            if let equal = c.equal {
                #expect(o.status == .ok && o.score == (equal ? 1 : 0),
                        "\(c.note): \(c.completion.debugDescription) vs \(c.reference.debugDescription): \(o)")
            } else {
                #expect(o.status == .unparseable, "\(c.note): \(c.completion.debugDescription): \(o)")
            }
        }
        await answer.shutdown()
    }

    @Test func userPatternComesFirst() async throws {
        let answer = try await PluginEvaluator.launch("answer:--pattern='Result: (\\d+)'",
                                                      searchPaths: [(S.product("verifier-answer") as NSString).deletingLastPathComponent],
                                                      options: S.options(LogSink()))
        let outcomes = await answer.evaluate([S.item(["\\boxed{3}\nResult: 18\n"]), S.item(["\\boxed{18}"]), S.item(["none"])])
        #expect(outcomes.map(\.score) == [1, 1, 0])
        #expect(outcomes[0].answer == "18" && outcomes[0].detail?.hasPrefix("pattern:") == true)
        #expect(outcomes[2].status == .unparseable)
        await answer.shutdown()
    }

    @Test func badPatternFailsAtStartWithItsMessage() async throws {
        let error = await #expect(throws: PluginHostError.self) {
            try await PluginEvaluator.launch(executable: S.product("verifier-answer"), arguments: ["--pattern=(unclosed"],
                                             options: S.options(LogSink()))
        }
        #expect(error?.message.contains("does not compile") == true)
    }
}
