import ArgumentParser
import StepTreeCore

extension AnswerAggregation: ExpressibleByArgument {}
extension StepAggregation: ExpressibleByArgument {}
extension MCTS.Exploration: ExpressibleByArgument {}
extension MCTS.LeafValue: ExpressibleByArgument {}

/// Strategy choice and parameters (shared by `search` and `bench engine`). Defaults and sources
/// are those of the parameter structs in StepTreeCore.
struct StrategyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Search strategy: \(StrategyRegistry.names.joined(separator: ", ")).", discussion: """
        greedy: one sample per step at temperature 0. \
        best-of-n: N paths, one chosen by --aggregation (OpenR). \
        beam: N samples per round, the top N/M by step score kept, each expanded M times \
        (search-and-learn semantics; OpenR's beam keeps N final paths instead). \
        dvts: N/M independent subtrees, each a greedy-by-PRM beam of width M. \
        mcts: PUCT with exp(mean logprob) priors and virtual loss.
        """))
    var strategy = "beam"

    @Option(help: "N: paths (best-of-n) or samples per round (beam, dvts). Default 8.")
    var n: Int = 8

    @Option(name: .customLong("beam-width"), help: "M: beam width (beam, dvts). Default 4 (search-and-learn).")
    var beamWidth: Int = 4

    @Option(help: "best-of-n choice: \(AnswerAggregation.allCases.map(\.rawValue).joined(separator: ", ")). Default majority (OpenR).")
    var aggregation: AnswerAggregation = .majority

    @Option(name: .customLong("step-aggregation"), help: "beam/dvts ranking by step scores: last, min, product. Default last (search-and-learn).")
    var stepAggregation: StepAggregation = .last

    @Option(name: .customLong("max-iterations"), help: "beam/dvts rounds at most. Default 40 (search-and-learn).")
    var maxIterations: Int = 40

    @Option(help: "mcts: simulations per problem. Default 32 (rStar-Math).")
    var simulations: Int = 32

    @Option(help: "mcts: samples per expansion. Default 4.")
    var width: Int = 4

    @Option(help: "mcts: exploration form, constant (c_puct) or alphazero (ln((N+c_base+1)/c_base)+c_init). Default alphazero (OpenR).")
    var exploration: MCTS.Exploration = .alphazero

    @Option(name: .customLong("c-puct"), help: "mcts: constant c_puct. Default 1.25.")
    var cPuct: Double = 1.25

    @Option(name: .customLong("c-base"), help: "mcts: AlphaZero c_base. Default 19652.")
    var cBase: Double = 19652

    @Option(name: .customLong("c-init"), help: "mcts: AlphaZero c_init. Default 1.25.")
    var cInit: Double = 1.25

    @Option(name: .customLong("leaf-value"), help: "mcts: leaf value from prm (step score), rollout (to a finished path) or outcome. Default rollout.")
    var leafValue: MCTS.LeafValue = .rollout

    @Flag(name: .customLong("sampled-rollouts"), help: "mcts: roll out at the run's temperature instead of greedily.")
    var sampledRollouts = false

    func validate() throws {
        _ = try StrategyRegistry.entry(named: strategy)
        for (name, v) in [("--n", n), ("--beam-width", beamWidth), ("--max-iterations", maxIterations),
                          ("--simulations", simulations), ("--width", width)] where v < 1 || v > 65535 {
            throw ValidationError("\(name) must be in 1...65535, got \(v)")
        }
        if (strategy == "beam" || strategy == "dvts") && n % beamWidth != 0 {
            throw ValidationError("--n (\(n)) must be a multiple of --beam-width (\(beamWidth)) for \(strategy)")
        }
    }

    func apply(to c: inout SearchConfiguration) {
        c.strategy = strategy
        c.parameters.bestOfN = .init(n: n, aggregation: aggregation)
        c.parameters.beam = .init(n: n, beamWidth: beamWidth, aggregation: stepAggregation, maxIterations: maxIterations)
        c.parameters.dvts = .init(n: n, beamWidth: beamWidth, aggregation: stepAggregation, maxIterations: maxIterations)
        c.parameters.mcts = .init(simulations: simulations, width: width, exploration: exploration, cPuct: cPuct, cBase: cBase,
                                  cInit: cInit, leafValue: leafValue, greedyRollouts: !sampledRollouts)
    }
}
