import ArgumentParser
import Foundation
import StepTreeCore

/// `steptree bench engine`: the search engine alone, with a zero-latency random generator and
/// evaluator, so every cycle measured is the engine's (tree, strategies, driver, batching).
struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine throughput with a zero-latency generator and evaluator: nodes/s and CPU time per node.",
        discussion: """
            Build with -c release for meaningful figures:
              swift build -c release --product steptree && .build/release/steptree bench engine
            Nodes are tree nodes created (merged siblings count once). CPU time is the process's \
            (all threads), so "nodes per CPU-second" is the single-core rate.
            """)

    @Option(help: "Strategies to run, comma-separated.")
    var strategies = "mcts,beam"

    @Option(help: "Problems per strategy.")
    var problems = 2000

    @Option(help: "mcts simulations per problem.")
    var simulations = 64

    @Option(help: "Samples per expansion (mcts width, beam width).")
    var width = 4

    @Option(help: "beam/best-of-n N.")
    var n = 16

    @Option(help: "Random generator: distinct steps per node.")
    var branching = 16

    @Option(help: "Random generator: depth of the answer step.")
    var depth = 8

    @Option(help: "Problems searched at once.")
    var concurrency = 256

    @Option(name: .customLong("max-batch"), help: "Requests per generate call.")
    var maxBatch = 256

    @Flag(name: .customLong("step-verifier"), help: "Also score every new step (zero-latency), not only finished paths.")
    var stepVerifier = false

    func run() async throws {
        let gen = RandomGenerator(options: .init(branching: branching, depth: depth), recommendedInFlight: 1 << 16)
        let eval = RandomEvaluator(kinds: stepVerifier ? [.step, .outcome] : [.outcome], maxBatch: 4096)
        let problemList = (0..<problems).map { Problem(id: "bench-\($0)", prompt: "problem \($0)\n", reference: "0") }
        print("strategy  problems  nodes  expansions  wall_s  nodes/s  cpu_us/node  nodes/cpu_s  solved")
        for name in strategies.split(separator: ",").map(String.init) {
            var c = SearchConfiguration()
            c.strategy = name
            c.answerMarker = AnswerMarker("answer:", atLineStart: true)
            c.concurrency = concurrency
            c.maxBatch = maxBatch
            c.treeInFlight = 16
            c.maxDepth = depth + 1
            c.parameters.mcts = .init(simulations: simulations, width: width, leafValue: stepVerifier ? .prm : .rollout)
            c.parameters.beam = .init(n: n, beamWidth: width)
            c.parameters.dvts = .init(n: n, beamWidth: width)
            c.parameters.bestOfN = .init(n: n)
            let driver = SearchDriver(generator: gen, evaluators: [eval], configuration: c)
            let cpu0 = cpuSeconds()
            let s: RunSummary
            do { s = try await driver.run(problemList) { _ in } } catch {
                stderr("error: \(error)")
                throw ExitCodes.usage
            }
            let cpu = cpuSeconds() - cpu0
            let nodes = Double(s.nodes)
            print("\(name)  \(s.problems)  \(s.nodes)  \(s.expansions)  \(fmt(s.wallSeconds, 3))  " +
                  "\(fmt(nodes / s.wallSeconds, 0))  \(fmt(cpu / nodes * 1e6, 2))  \(fmt(nodes / cpu, 0))  \(s.solved)")
        }
    }

    func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
