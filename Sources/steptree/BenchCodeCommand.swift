import ArgumentParser
import Foundation
import StepTreeCore
import StepTreePluginHost

/// `steptree bench code`: sandboxed program runs per second through `verifier-code` with its
/// worker pool, and the cost of the sandbox per run against the same harness run without one.
struct BenchCodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Runs/s of verifier-code on a trivial passing program, and the sandbox's overhead per run.")

    @Option(help: "Programs judged in the throughput run.")
    var runs = 200

    @Option(help: "Worker pool size (default: the plugin's, the number of cores).")
    var workers: Int?

    @Option(help: "Sequential single-program calls in each latency run (sandboxed and unsandboxed).")
    var calls = 40

    func run() async throws {
        let items = (0..<max(runs, calls)).map { i in
            EvaluationItem(problem: Problem(id: "bench-\(i)", prompt: "", fields: [
                "test_list": .array([.string("assert add(\(i), 1) == \(i + 1)")]),
            ]), steps: ["```python\ndef add(a, b):\n    return a + b\n```\n"], finished: true)
        }
        let pool = workers.map { ["--workers", "\($0)"] } ?? []
        let sandboxed = try await PluginEvaluator.launch(executable: try Self.plugin(), arguments: pool)
        print("plugin \(sandboxed.capabilities.name) \(sandboxed.capabilities.version): "
            + "\(sandboxed.pluginCapabilities.maxConcurrentRequests) workers")
        _ = await sandboxed.evaluate(Array(items.prefix(4))) // warm-up
        let start = DispatchTime.now().uptimeNanoseconds
        let outcomes = await sandboxed.evaluate(Array(items.prefix(runs)))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let passed = outcomes.filter { $0.status == .ok && $0.score == 1 }.count
        print(String(format: "throughput: %d sandboxed runs in %.2f s = %.1f runs/s (%d passed, expected %d)",
                     runs, seconds, Double(runs) / seconds, passed, runs))
        let sandboxedLatency = await Self.latency(sandboxed, items.prefix(calls))
        await sandboxed.shutdown()

        // The same harness and rlimits without bubblewrap: a missing bwrap plus the explicit override.
        let bare = try await PluginEvaluator.launch(executable: try Self.plugin(),
                                                    arguments: ["--bwrap", "/nonexistent/bwrap", "--unsafe-no-sandbox"])
        let bareLatency = await Self.latency(bare, items.prefix(calls))
        await bare.shutdown()
        print(String(format: "latency per run (1 program per call, %d calls): sandboxed %.1f ms, unsandboxed python3 %.1f ms, "
                     + "sandbox overhead %.1f ms per run", calls, sandboxedLatency * 1e3, bareLatency * 1e3,
                     (sandboxedLatency - bareLatency) * 1e3))
    }

    /// Mean seconds per single-item call.
    static func latency(_ judge: PluginEvaluator, _ items: ArraySlice<EvaluationItem>) async -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for item in items { _ = await judge.evaluate([item]) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(max(1, items.count))
    }

    /// `verifier-code` next to this executable.
    static func plugin() throws -> String {
        try PluginLocator(searchPaths: []).executable(for: "code")
    }
}
