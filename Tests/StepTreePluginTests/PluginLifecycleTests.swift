import Foundation
import StepTreeCore
import StepTreePluginHost
import Testing

@Suite("Plugin host: missing results and shutdown", .serialized)
struct PluginLifecycleTests {
    typealias S = PluginTestSupport

    @Test func missingResultIsAnErrorNotAWrongAnswer() async throws {
        let plugin = try await PluginEvaluator.launch(executable: S.misbehaving, arguments: ["missing"], options: S.options(LogSink()))
        let outcomes = await plugin.evaluate(S.goodBad(4)) // one batch of 4; the plugin drops the last
        #expect(outcomes[0...2].map(\.status) == [.ok, .ok, .ok])
        #expect(outcomes[3].status == .error && outcomes[3].detail?.contains("returned no result for item 3") == true)
        #expect(plugin.statistics.failedItems == 1)
        await plugin.shutdown()
    }

    @Test func stubbornPluginIsKilledAtShutdown() async throws {
        let log = LogSink()
        let plugin = try await PluginEvaluator.launch(executable: S.misbehaving, arguments: ["stubborn"], options: S.options(log))
        #expect(await plugin.evaluate(S.goodBad(2)).map(\.score) == [0, 1])
        let pids = await plugin.processIDs()
        #expect(pids.count == 1)
        let start = Date()
        await plugin.shutdown() // no answer to shutdown, ignores end of stdin and SIGTERM
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(log.all.contains { $0.contains("SIGKILL") })
        #expect(kill(pids[0], 0) != 0) // gone (and reaped)
    }

    @Test func politePluginExitsAfterShutdownWithoutSignals() async throws {
        let log = LogSink()
        let echo = try await PluginEvaluator.launch(executable: S.product("verifier-echo"), options: S.options(log))
        let pids = await echo.processIDs()
        await echo.shutdown()
        #expect(kill(pids[0], 0) != 0)
        #expect(!log.all.contains { $0.contains("SIGKILL") })
    }
}

@Suite("Plugin host: pools, batch caps, giving up", .serialized)
struct PluginPoolTests {
    typealias S = PluginTestSupport

    @Test func poolOfTwoWithABatchCap() async throws {
        var options = S.options(LogSink())
        options.poolSize = 2
        options.maxBatch = 4
        let echo = try await PluginEvaluator.launch(executable: S.product("verifier-echo"), options: options)
        #expect(Set(await echo.processIDs()).count == 2)
        #expect(echo.capabilities.maxBatch == 4)
        let items = (0..<37).map { S.item(["answer: \($0 % 2 == 0 ? "18" : "0")\n"]) }
        let outcomes = await echo.evaluate(items)
        #expect(outcomes.map(\.score) == (0..<37).map { $0 % 2 == 0 ? 1 : 0 })
        #expect(echo.statistics.requests == 10) // ceil(37 / 4)
        await echo.shutdown()
    }

    @Test func pluginIsGivenUpAfterTooManyRestarts() async throws {
        let log = LogSink()
        var options = S.options(log, retries: 3)
        options.maxRestarts = 1
        let plugin = try await PluginEvaluator.launch(executable: S.misbehaving, arguments: ["crash"], options: options)
        let first = await plugin.evaluate(S.goodBad(2))
        #expect(first.allSatisfy { $0.status == .error && $0.detail?.contains("giving up") == true })
        #expect(plugin.statistics.restarts == 1) // one allowed, the second refused
        let later = await plugin.evaluate(S.goodBad(2)) // answered at once, without new processes
        #expect(later.allSatisfy { $0.status == .error })
        #expect(plugin.statistics.restarts == 1)
        await plugin.shutdown()
    }
}
