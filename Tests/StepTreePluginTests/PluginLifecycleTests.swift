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
