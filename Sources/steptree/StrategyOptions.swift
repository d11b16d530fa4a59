import ArgumentParser
import StepTreeCore

extension AnswerAggregation: ExpressibleByArgument {}
extension StepAggregation: ExpressibleByArgument {}
extension MCTS.Exploration: ExpressibleByArgument {}
extension MCTS.LeafValue: ExpressibleByArgument {}
extension OmegaPRM.FirstErrorSearch: ExpressibleByArgument {}

/// Strategy choice and parameters (shared by `search` and `bench engine`). Defaults and sources
/// are those of the parameter structs in StepTreeCore.
struct StrategyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Search strategy: \(StrategyRegistry.names.joined(separator: ", ")).", discussion: """
        greedy: one sample per step at temperature 0. \
        best-of-n: N paths, one chosen by --aggregation (OpenR). \
        beam: N samples per round, the top N/M by step score kept, each expanded M times \
        (search-and-learn semantics; OpenR's beam keeps N final paths instead). \
        dvts: N/M independent subtrees, each a greedy-by-PRM beam of width M. \
        mcts: PUCT with exp(mean logprob) priors and virtual loss. \
        omegaprm: process labels from k-rollout MC estimates and a binary search for the first error.
        """))
    var strategy = "beam"

    @Option(help: "N: paths (best-of-n) or samples per round (beam, dvts).")
    var n: Int = 8

    @Option(name: .customLong("beam-width"), help: "M: beam width (beam, dvts); 4 in search-and-learn.")
    var beamWidth: Int = 4

    @Option(help: ArgumentHelp("best-of-n choice (OpenR's set: majority vote; PRM last/min/product, each as max or weighted vote).",
                               discussion: "Default: prm-last-max when a guiding verifier scores steps (a PRM), else majority. " +
                                   "prm-min-* is PURE's min-form path value."))
    var aggregation: AnswerAggregation?

    @Option(name: .customLong("step-aggregation"), help: "beam/dvts ranking and final pick by step scores: last, min (PURE's min-form), product (search-and-learn agg_strategy).")
    var stepAggregation: StepAggregation = .last

    @Option(name: .customLong("max-iterations"), help: "beam/dvts rounds at most (search-and-learn num_iterations).")
    var maxIterations: Int = 40

    @Option(name: .customLong("early-reject-tokens"), help: ArgumentHelp(
        "beam, dvts: generate the first K tokens of each candidate step, score those partial steps with the step verifiers (a PRM), and finish only the candidates not cut.",
        discussion: "Partial reward modelling (early rejection). Candidates that end within K tokens are complete and never cut; " +
            "survivors are continued by a request whose prefix ends with the partial text. Cut candidates are not nodes of the tree " +
            "(each tree's cost and the run summary count them: partialCandidates, earlyRejected). Needs a step verifier and " +
            "--early-reject-keep and/or --early-reject-threshold.", valueName: "K"))
    var earlyRejectTokens: Int?

    @Option(name: .customLong("early-reject-keep"), help: ArgumentHelp(
        "beam, dvts: keep this fraction (0, 1] of the partial candidates, the best by step score (at least one).", valueName: "F"))
    var earlyRejectKeep: Double?

    @Option(name: .customLong("early-reject-threshold"), help: ArgumentHelp(
        "beam, dvts: cut partial candidates whose step score is below T (verdicts that failed never cut).", valueName: "T"))
    var earlyRejectThreshold: Double?

    @Option(help: "mcts: simulations per problem (32 in rStar-Math's eval).")
    var simulations: Int = 32

    @Option(help: "mcts: samples per expansion.")
    var width: Int = 4

    @Option(help: "mcts: exploration form, constant (c_puct) or alphazero (ln((N+c_base+1)/c_base)+c_init). alphazero as in OpenR.")
    var exploration: MCTS.Exploration = .alphazero

    @Option(name: .customLong("c-puct"), help: "mcts: constant c_puct (rStar-Math uses 2).")
    var cPuct: Double = 1.25

    @Option(name: .customLong("c-base"), help: "mcts: AlphaZero c_base (AlphaZero, OpenR).")
    var cBase: Double = 19652

    @Option(name: .customLong("c-init"), help: "mcts: AlphaZero c_init (AlphaZero, OpenR).")
    var cInit: Double = 1.25

    @Option(name: .customLong("leaf-value"), help: ArgumentHelp(
        "mcts: leaf value from prm (step score), rollout (to a finished path) or outcome.",
        discussion: "Default: prm when the guiding verifiers score steps and none judges outcomes (a PRM alone), else rollout."))
    var leafValue: MCTS.LeafValue?

    @Flag(name: .customLong("sampled-rollouts"), help: "mcts: roll out at the run's temperature instead of greedily.")
    var sampledRollouts = false

    @Option(name: .customLong("rollouts-per-estimate"), help: "omegaprm: rollouts per MC estimate, k (8 paper-aligned; OpenR 16).")
    var rolloutsPerEstimate: Int = 8

    @Option(name: .customLong("rollout-budget"), help: "omegaprm: rollouts per problem at most (OpenR: 200).")
    var rolloutBudget: Int = 200

    @Option(help: "omegaprm: first-error searches per problem at most.")
    var searches: Int = 100

    @Option(name: .customLong("first-error-search"), help: "omegaprm: binary (OmegaPRM) or linear (per-step MC, Math-Shepherd).")
    var firstErrorSearch: OmegaPRM.FirstErrorSearch = .binary

    func validate() throws {
        _ = try StrategyRegistry.entry(named: strategy)
        for (name, v) in [("--n", n), ("--beam-width", beamWidth), ("--max-iterations", maxIterations),
                          ("--simulations", simulations), ("--width", width),
                          ("--rollouts-per-estimate", rolloutsPerEstimate), ("--rollout-budget", rolloutBudget), ("--searches", searches)] where v < 1 || v > 65535 {
            throw ValidationError("\(name) must be in 1...65535, got \(v)")
        }
        if earlyRejectTokens != nil || earlyRejectKeep != nil || earlyRejectThreshold != nil {
            guard strategy == "beam" || strategy == "dvts" else {
                throw ValidationError("--early-reject-* options work with --strategy beam or dvts only")
            }
            guard let k = earlyRejectTokens, k >= 1 else { throw ValidationError("--early-reject-tokens K (at least 1) is required with --early-reject-keep/--early-reject-threshold") }
            guard earlyRejectKeep != nil || earlyRejectThreshold != nil else {
                throw ValidationError("--early-reject-tokens \(k) needs --early-reject-keep F or --early-reject-threshold T (else nothing is cut)")
            }
            if let f = earlyRejectKeep, !(f > 0 && f <= 1) { throw ValidationError("--early-reject-keep must be in (0, 1], got \(f)") }
            if let t = earlyRejectThreshold, !(t >= 0 && t <= 1) { throw ValidationError("--early-reject-threshold must be in [0, 1], got \(t)") }
        }
        if (strategy == "beam" || strategy == "dvts") && n % beamWidth != 0 {
            throw ValidationError("--n (\(n)) must be a multiple of --beam-width (\(beamWidth)) for \(strategy)")
        }
    }

    /// Sets the strategy and its parameters. `guidance` is the union of the guiding verifiers'
    /// kinds: it picks the defaults of `--aggregation` and `--leaf-value`, so a PRM guides the
    /// final choice and the leaf values unless told otherwise.
    func apply(to c: inout SearchConfiguration, guidance: Set<EvaluationKind>) {
        let scoresSteps = guidance.contains(.step)
        c.strategy = strategy
        c.parameters.bestOfN = .init(n: n, aggregation: aggregation ?? (scoresSteps ? .prmLastMax : .majority))
        c.parameters.beam = .init(n: n, beamWidth: beamWidth, aggregation: stepAggregation, maxIterations: maxIterations,
                                  earlyRejection: earlyRejectTokens.map { EarlyRejection(tokens: $0, keep: earlyRejectKeep, threshold: earlyRejectThreshold) })
        c.parameters.dvts = .init(n: n, beamWidth: beamWidth, aggregation: stepAggregation, maxIterations: maxIterations,
                                  earlyRejection: c.parameters.beam.earlyRejection)
        c.parameters.mcts = .init(simulations: simulations, width: width, exploration: exploration, cPuct: cPuct, cBase: cBase,
                                  cInit: cInit,
                                  leafValue: leafValue ?? (scoresSteps && !guidance.contains(.outcome) ? .prm : .rollout),
                                  greedyRollouts: !sampledRollouts)
        c.parameters.omegaprm = .init(rolloutsPerEstimate: rolloutsPerEstimate, rolloutBudget: rolloutBudget, searches: searches,
                                      firstErrorSearch: firstErrorSearch)
    }
}
