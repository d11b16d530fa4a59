import Foundation
import StepTreeCore
import StepTreePluginHost
import Testing

/// Plugins written in other languages, through the same host and conformance checks: the
/// Python verifier-countdown and the Node.js example written from PROTOCOL.md alone.
@Suite("Script plugins", .serialized)
struct ScriptPluginTests {
    typealias S = PluginTestSupport

    static let nodeInstalled = ["/usr/bin/node", "/usr/local/bin/node", "/usr/bin/nodejs"].contains {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test func countdownThroughTheHost() async throws {
        let countdown = try await PluginEvaluator.launch(
            "countdown", searchPaths: [S.packageRoot + "/Plugins/countdown"], options: S.options(LogSink(), timeout: 10))
        #expect(countdown.capabilities.kinds == [.outcome, .step])
        let problem = Problem(id: "c1", prompt: "nums: 3 3 12 target: 3\n", reference: "3",
                              fields: ["numbers": [3, 3, 12], "target": 3])
        let solved = ["step: 3 * 3 = 9 | 12 9\n", "step: 12 - 9 = 3 | 3\n", "answer: 3\n"]
        let outcomes = await countdown.evaluate([
            EvaluationItem(problem: problem, steps: solved, finished: true),
            EvaluationItem(problem: problem, steps: ["step: 3 + 3 = 6 | 12 6\n", "step: 12 - 6 = 6 | 6\n", "answer: 6\n"], finished: true),
            EvaluationItem(problem: problem, steps: ["step: 3 * 3 = 9 | 12 9\n", "step: 9 - 3 = 6 | 12 6\n"], finished: false),
        ])
        #expect(outcomes[0].status == .ok && outcomes[0].score == 1 && outcomes[0].answer == "3")
        #expect(outcomes[1].status == .ok && outcomes[1].score == 0)
        #expect(outcomes[2].stepScores == [1, 0] && outcomes[2].score == 0)
        await countdown.shutdown()
        let results = await PluginConformance.check(executable: S.packageRoot + "/Plugins/countdown/verifier-countdown",
                                                    transcripts: try Transcript.all(in: S.packageRoot + "/Plugins/Transcripts/v1"))
        #expect(results.allSatisfy { $0.failure == nil }, "\(results.filter { $0.failure != nil })")
    }

    @Test(.enabled(if: nodeInstalled, "node is not installed: the Node.js example plugin cannot run"))
    func nodeExampleWrittenFromTheSpec() async throws {
        let path = S.packageRoot + "/Examples/custom-verifier/verifier-length"
        let results = await PluginConformance.check(executable: path, arguments: ["--max-chars=20"],
                                                    transcripts: try Transcript.all(in: S.packageRoot + "/Plugins/Transcripts/v1"))
        #expect(results.filter(\.passed).count == 11, "\(results)")
        #expect(results.allSatisfy { $0.failure == nil })
        let plugin = try await PluginEvaluator.launch(path + ":--max-chars=20 --max-step-chars=5", options: S.options(LogSink()))
        let outcomes = await plugin.evaluate([
            S.item(["short\n"]), S.item([String(repeating: "x", count: 40)]), S.item(["ok\n", "too long\n"], finished: false),
        ])
        #expect(outcomes.map(\.score) == [1, 0.5, 0])
        #expect(outcomes[2].stepScores == [1, 0])
        await plugin.shutdown()
    }
}
