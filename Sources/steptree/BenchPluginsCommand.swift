import ArgumentParser
import Foundation
import StepTreeCore
import StepTreePluginHost

/// `steptree bench plugins`: verifications per second through one plugin process with batching,
/// and the round-trip latency of single-item calls.
struct BenchPluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Throughput (verifications/s, batched) and single-call latency of a verifier plugin.")

    @Option(help: "Plugin spec (NAME[:ARGS] or a path).")
    var plugin = "answer"

    @Option(help: "Items verified in the throughput run.")
    var items = 200_000

    @Option(help: "Items per request (default: the plugin's maxBatch).")
    var batch: Int?

    @Option(help: "Sequential single-item calls in the latency run.")
    var calls = 2_000

    func run() async throws {
        var options = PluginHostOptions()
        options.maxBatch = batch
        let evaluator = try await PluginEvaluator.launch(plugin, options: options)
        let caps = evaluator.pluginCapabilities
        print("plugin \(evaluator.capabilities.name) \(evaluator.capabilities.version) (\(evaluator.executable)): "
            + "maxBatch \(evaluator.capabilities.maxBatch), maxConcurrentRequests \(caps.maxConcurrentRequests)")
        let workload = Self.workload(items)
        _ = await evaluator.evaluate(Array(workload.prefix(2_000))) // warm-up

        let pids = await evaluator.processIDs()
        let cpuBefore = (Self.cpuSeconds("self"), pids.map { Self.cpuSeconds(String($0)) }.reduce(0, +))
        let start = DispatchTime.now().uptimeNanoseconds
        let outcomes = await evaluator.evaluate(workload)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpuAfter = (Self.cpuSeconds("self"), pids.map { Self.cpuSeconds(String($0)) }.reduce(0, +))
        let correct = outcomes.filter { $0.status == .ok && $0.score == 1 }.count
        let expected = workload.indices.filter { $0 % 2 == 0 }.count
        print(String(format: "throughput: %d items in %.3f s = %.0f verifications/s (%d judged correct, expected %d)",
                     items, seconds, Double(items) / seconds, correct, expected))
        print(String(format: "cpu per verification: host %.2f µs, plugin %.2f µs (user + system time, so independent of machine load)",
                     (cpuAfter.0 - cpuBefore.0) * 1e6 / Double(items), (cpuAfter.1 - cpuBefore.1) * 1e6 / Double(items)))

        var latencies: [Double] = []
        for i in 0..<calls {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = await evaluator.evaluate([workload[i % workload.count]])
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3)
        }
        latencies.sort()
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print(String(format: "latency (1 item per call, %d calls): mean %.1f µs, p50 %.1f µs, p90 %.1f µs, p99 %.1f µs",
                     calls, latencies.reduce(0, +) / Double(calls), pct(0.5), pct(0.9), pct(0.99)))
        print(evaluator.statistics)
        await evaluator.shutdown()
    }

    /// User plus system CPU seconds of a process (`self` or a pid), from /proc/PID/stat.
    static func cpuSeconds(_ pid: String) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// GSM8K- and MATH-style completions in four answer formats; even items are correct.
    static func workload(_ count: Int) -> [EvaluationItem] {
        (0..<count).map { i in
            let value = 10 + i % 9_000
            let said = i % 2 == 0 ? value : value + 1
            let tail: String
            switch i % 4 {
            case 0: tail = "#### \(said)"
            case 1: tail = "So the final result is $\\boxed{\(said)}$."
            case 2: tail = "The answer is \(said)."
            default: tail = "Thus we get \\boxed{\\frac{\(said * 2)}{2}}"
            }
            let steps = ["Natalia sold \(value / 2) clips in April and the same number in May.\n",
                         "Altogether she sold \(value / 2) + \(value - value / 2) = \(value) clips.\n", tail]
            return EvaluationItem(problem: Problem(id: "bench-\(i % 1000)", prompt: "Question \(i % 1000)\n",
                                                   reference: String(value)), steps: steps, finished: true)
        }
    }
}
