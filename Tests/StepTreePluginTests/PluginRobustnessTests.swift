import Foundation
import StepTreeCore
import StepTreePluginHost
import Testing

/// Plugins that crash, hang, write garbage, flood stderr, answer out of order or exit at start:
/// each ends with a clear error or recovered results, and nothing is mislabelled as wrong.
@Suite("Plugin host against misbehaving plugins", .serialized)
struct PluginRobustnessTests {
    typealias S = PluginTestSupport

    func launch(_ mode: String, _ log: LogSink, timeout: Double = 1, retries: Int = 2) async throws -> PluginEvaluator {
        let state = NSTemporaryDirectory() + "steptree-\(mode)-\(UUID().uuidString)"
        return try await PluginEvaluator.launch(executable: S.misbehaving, arguments: [mode, state],
                                                options: S.options(log, timeout: timeout, retries: retries))
    }

    func expectRecovered(_ outcomes: [EvaluationOutcome]) {
        for (i, o) in outcomes.enumerated() {
            #expect(o.status == .ok)
            #expect(o.score == (i % 2 == 1 ? 1 : 0))
        }
    }

    func expectFailed(_ outcomes: [EvaluationOutcome], _ status: VerdictStatus, mentioning text: String) {
        for o in outcomes {
            #expect(o.status == status) // never .ok with score 0: a failure is not a wrong answer
            #expect(o.detail?.contains(text) == true, "detail: \(o.detail ?? "nil")")
        }
    }

    @Test func exitAtStartIsAClearError() async throws {
        let error = await #expect(throws: PluginHostError.self) { try await launch("exit-at-start", LogSink()) }
        #expect(error?.code == .handshakeFailed)
        #expect(error?.message.contains("exit status 3") == true)
        #expect(error?.message.contains("cannot load my model") == true)
    }

    @Test func crashMidRequestIsRetriedOnAFreshProcess() async throws {
        let plugin = try await launch("crash-once", LogSink())
        expectRecovered(await plugin.evaluate(S.goodBad(3)))
        #expect(plugin.statistics.restarts == 1 && plugin.statistics.retries == 1)
        expectRecovered(await plugin.evaluate(S.goodBad(2))) // the run continues
        await plugin.shutdown()
    }

    @Test func pluginThatAlwaysCrashesGivesErrors() async throws {
        let plugin = try await launch("crash", LogSink(), retries: 1)
        let outcomes = await plugin.evaluate(S.goodBad(3))
        expectFailed(outcomes, .error, mentioning: "exit status 1")
        #expect(plugin.statistics.failedItems == 3)
        await plugin.shutdown()
    }

    @Test func hungPluginIsKilledAndRestarted() async throws {
        let plugin = try await launch("hang-once", LogSink(), timeout: 0.3)
        expectRecovered(await plugin.evaluate(S.goodBad(3)))
        #expect(plugin.statistics.timeouts == 1 && plugin.statistics.restarts == 1)
        await plugin.shutdown()
    }

    @Test func pluginThatAlwaysHangsGivesTimeouts() async throws {
        let plugin = try await launch("hang", LogSink(), timeout: 0.2, retries: 0)
        expectFailed(await plugin.evaluate(S.goodBad(2)), .timeout, mentioning: "no response within")
        await plugin.shutdown()
    }

    @Test func garbageOnStdoutIsAProtocolViolation() async throws {
        let log = LogSink()
        let plugin = try await launch("garbage-once", log)
        expectRecovered(await plugin.evaluate(S.goodBad(3)))
        #expect(plugin.statistics.protocolViolations == 1 && plugin.statistics.restarts == 1)
        #expect(log.all.contains { $0.contains("stdout line 2 is not a protocol message") && $0.contains("Loading weights") })
        await plugin.shutdown()
    }

    @Test(arguments: [("malformed", "not a protocol message"), ("oversize", "longer than"), ("non-utf8", "invalid UTF-8")])
    func brokenLinesGiveErrors(mode: String, text: String) async throws {
        var options = S.options(LogSink(), retries: 1)
        options.maxLineBytes = 1 << 20
        let plugin = try await PluginEvaluator.launch(executable: S.misbehaving, arguments: [mode], options: options)
        expectFailed(await plugin.evaluate(S.goodBad(2)), .error, mentioning: text)
        #expect(plugin.statistics.protocolViolations == 2)
        await plugin.shutdown()
    }

    @Test func stderrFloodNeitherBlocksNorFloodsTheLog() async throws {
        let log = LogSink()
        var options = S.options(log)
        options.stderrLinesPerSecond = 100
        let plugin = try await PluginEvaluator.launch(executable: S.misbehaving, arguments: ["flood"], options: options)
        expectRecovered(await plugin.evaluate(S.goodBad(6))) // two requests, 4096 stderr lines before each answer
        await plugin.shutdown()
        #expect(log.all.count < 8192 / 2)
        #expect(log.all.contains { $0.contains("stderr lines suppressed") })
    }

    @Test func outOfOrderAnswersAreMatchedById() async throws {
        let plugin = try await launch("reverse", LogSink())
        expectRecovered(await plugin.evaluate(S.goodBad(8))) // two batches of 4, answered newest first
        #expect(plugin.statistics.requests == 2)
        await plugin.shutdown()
    }

    @Test(arguments: ["cancel", "cancel-error"])
    func cooperativeCancelGivesTimeoutsWithoutRestart(mode: String) async throws {
        let plugin = try await launch(mode, LogSink(), timeout: 0.2)
        expectFailed(await plugin.evaluate(S.goodBad(2)), .timeout, mentioning: "cancelled")
        #expect(plugin.statistics.restarts == 0 && plugin.statistics.timeouts == 1 && plugin.statistics.retries == 0)
        await plugin.shutdown()
    }
}
