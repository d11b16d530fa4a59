import ArgumentParser
import Foundation
import StepTreeCore
import StepTreePluginHost

/// `steptree bench prm`: steps scored per second by verifier-prm-local on a search-tree workload,
/// with and without prefix reuse. Every node of a tree (prompt → `branching` children per level,
/// `depth` levels) is sent as a step item, as a search scores each new node; with reuse a node
/// costs only its own step's tokens.
struct BenchPRMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prm",
        abstract: "Steps scored/s by verifier-prm-local on a tree workload, with and without prefix reuse.")

    @Option(help: "GGUF model scored with (default: the Countdown model, used as a Math-Shepherd-style tiny PRM).")
    var model = "Examples/countdown/policy.gguf"

    @Option(help: "Extra arguments for verifier-prm-local, after an equals sign: --plugin-arguments=\"--convention value-head\".")
    var pluginArguments = ""

    @Option(help: "Problems (independent trees).")
    var problems = 4

    @Option(help: "Children per node.")
    var branching = 4

    @Option(help: "Tree depth in steps.")
    var depth = 3

    @Option(help: "Threads for the model.")
    var threads = 1

    func run() async throws {
        let items = workload()
        let steps = items.reduce(0) { $0 + $1.steps.count }
        print("model \(model), \(problems) trees of branching \(branching) and depth \(depth): \(items.count) items, \(steps) steps")
        for reuse in [true, false] {
            let spec = "prm-local:--model \(model) --threads \(threads) \(pluginArguments)" + (reuse ? "" : " --no-prefix-reuse")
            let evaluator = try await PluginEvaluator.launch(spec)
            _ = await evaluator.evaluate(Array(items.prefix(1))) // load and warm up
            let start = DispatchTime.now().uptimeNanoseconds
            let outcomes = await evaluator.evaluate(items)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // Each item's detail reads "T tokens computed for M items" (its request's forward pass).
            let tokens = outcomes.compactMap { o -> Double? in
                guard let words = o.detail?.split(separator: " "), words.count == 6,
                      let t = Double(words[0]), let m = Double(words[4]), m > 0 else { return nil }
                return t / m
            }.reduce(0, +)
            let ok = outcomes.filter { $0.status == .ok }.count
            print(String(format: "%@ prefix reuse: %d steps in %.3f s = %.0f steps/s, %.0f tokens computed (%d/%d items ok)",
                         reuse ? "with   " : "without", steps, seconds, Double(steps) / seconds, tokens, ok, items.count))
            await evaluator.shutdown()
        }
    }

    /// Every node of each tree as a step item, parents before children (the order a search
    /// scores them in). Steps are Countdown-style lines.
    func workload() -> [EvaluationItem] {
        var items: [EvaluationItem] = []
        for p in 0..<problems {
            let problem = Problem(id: "bench-\(p)", prompt: "nums: \(3 + p) 7 25 4 target: \(61 + p)\n")
            var level: [[String]] = [[]]
            for d in 0..<depth {
                level = level.flatMap { path in
                    (0..<branching).map { b in path + ["step: \(25 + b) + \(4 + d) = \(29 + b + d) | \(3 + p) 7 \(29 + b + d)\n"] }
                }
                items += level.map { EvaluationItem(problem: problem, steps: $0, finished: false) }
            }
        }
        return items
    }
}
