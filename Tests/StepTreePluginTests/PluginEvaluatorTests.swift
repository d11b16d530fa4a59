import Foundation
import StepTreeCore
import StepTreePluginHost
import StepTreePluginProtocol
import Testing

@Suite("Plugin host against verifier-echo", .serialized)
struct PluginEvaluatorTests {
    typealias S = PluginTestSupport

    @Test func echoJudgesBatchesInOrder() async throws {
        let log = LogSink()
        let echo = try await PluginEvaluator.launch(executable: S.product("verifier-echo"), options: S.options(log))
        #expect(echo.capabilities.name == "verifier-echo")
        #expect(echo.capabilities.kinds == [.outcome, .step])
        #expect(echo.capabilities.maxBatch == 16)
        var items: [EvaluationItem] = []
        for i in 0..<40 {
            items.append(S.item(["think\n", "answer: \(i % 3 == 0 ? "18" : "17")\n"]))
        }
        items.append(S.item(["answer: 18\n"], reference: nil))
        items.append(S.item(["answer: 18\n"], fields: ["echo_fail": "disk full"]))
        items.append(S.item(["a\n", "b\n"], fields: ["echo_step_scores": [0.9, 0.4]], finished: false))
        let outcomes = await echo.evaluate(items)
        #expect(outcomes.count == items.count)
        for i in 0..<40 {
            #expect(outcomes[i].status == .ok)
            #expect(outcomes[i].score == (i % 3 == 0 ? 1 : 0))
            #expect(outcomes[i].answer == (i % 3 == 0 ? "18" : "17"))
        }
        #expect(outcomes[40].status == .unparseable)
        #expect(outcomes[41].status == .error && outcomes[41].detail == "disk full")
        #expect(outcomes[42].stepScores == [0.9, 0.4] && outcomes[42].score == 0.4)
        let stats = echo.statistics
        #expect(stats.requests == 4) // 42 outcome items in 3 batches of <= 16, one step batch
        #expect(stats.restarts == 0 && stats.failedItems == 0)
        await echo.shutdown()
        let after = await echo.evaluate([S.item(["answer: 18\n"])])
        #expect(after[0].status == .error)
    }

    @Test func cancelledRequestGetsTimeoutWithoutRestart() async throws {
        let log = LogSink()
        let echo = try await PluginEvaluator.launch(executable: S.product("verifier-echo"), options: S.options(log, timeout: 0.3))
        let outcomes = await echo.evaluate([S.item(["answer: 18\n"], fields: ["echo_delay_ms": 5000])])
        #expect(outcomes[0].status == .timeout)
        #expect(outcomes[0].detail == "cancelled")
        #expect(echo.statistics.timeouts == 1 && echo.statistics.restarts == 0)
        await echo.shutdown()
    }

    @Test func specsAndDiscovery() throws {
        let spec = try PluginLocator.parse("answer:--pattern='The answer is (\\d+)' --mode=strict")
        #expect(spec.name == "answer")
        #expect(spec.arguments == ["--pattern=The answer is (\\d+)", "--mode=strict"])
        #expect(try PluginLocator.parse("echo").arguments.isEmpty)
        #expect(throws: PluginHostError.self) { try PluginLocator.parse(":x") }
        #expect(throws: PluginHostError.self) { try PluginLocator.parse("a:'open") }
        let locator = PluginLocator(searchPaths: [(S.product("verifier-echo") as NSString).deletingLastPathComponent])
        #expect(try locator.executable(for: "echo") == S.product("verifier-echo"))
        let error = #expect(throws: PluginHostError.self) { try locator.executable(for: "no-such-plugin") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("verifier-no-such-plugin") == true)
        #expect(locator.all().contains { $0.name == "echo" })
    }
}
