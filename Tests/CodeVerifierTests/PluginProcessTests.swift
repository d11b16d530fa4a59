import Foundation
import StepTreeCore
import StepTreePluginHost
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The sandbox's lifetime is tied to the plugin's (`--die-with-parent`).
@Suite("verifier-code process lifetime")
struct PluginProcessTests {
    typealias S = SandboxTestSupport

    @Test func sandboxesDieWithTheirPlugin() async throws {
        let marker = "62.\(getpid())3"
        var options = PluginHostOptions()
        options.requestTimeout = 60
        options.maxRetries = 0
        let judge = try await PluginEvaluator.launch(executable: S.product("verifier-code"),
                                                     arguments: ["--wall-seconds", "60"], options: options)
        let item = EvaluationItem(problem: Problem(id: "sleeper", prompt: "", fields: ["test_list": .array([.string("assert True")])]),
                                  steps: ["```python\nimport os, sys\nos.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', '\(marker)'])\n```"],
                                  finished: true)
        let pending = Task { await judge.evaluate([item]) }
        #expect(await S.eventually(10) { S.hostProcess(containing: marker) }, "the sandboxed program never started")
        for pid in await judge.processIDs() { kill(pid, SIGKILL) }
        #expect(await S.eventually(3) { !S.hostProcess(containing: marker) }, "the sandbox outlived its plugin")
        let outcome = await pending.value
        #expect(outcome[0].status != .ok)
        await judge.shutdown()
    }
}
