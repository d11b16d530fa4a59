/// Parameters of every strategy, one field per strategy; the run uses the one its strategy names.
/// Encoded into the run fingerprint (only the chosen strategy's part, via `StrategyRegistry`).
public struct StrategyParameters: Codable, Hashable, Sendable {
    public var greedy = Greedy.Parameters()
    public var bestOfN = BestOfN.Parameters()
    public var beam = BeamSearch.Parameters()
    public var dvts = DVTS.Parameters()
    public var mcts = MCTS.Parameters()
    public var omegaprm = OmegaPRM.Parameters()
    public init() {}
}

/// The one explicit table of strategies (no registration by side effect).
public enum StrategyRegistry {
    /// One strategy: its CLI name, a one-line summary, and how to make one for a problem.
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        /// Makes a fresh strategy for one problem.
        public let make: @Sendable (StrategyParameters, AnswerMarker?) -> any SearchStrategy
        /// The chosen strategy's parameters, for the run fingerprint.
        public let parameters: @Sendable (StrategyParameters) -> any (Encodable & Sendable)
    }

    public static let entries: [Entry] = [
        Entry(name: "greedy", summary: "one sample per step at temperature 0 (the CoT baseline)",
              make: { p, _ in Greedy(parameters: p.greedy) }, parameters: { $0.greedy }),
        Entry(name: "best-of-n", summary: "N independent paths, one chosen by vote or PRM aggregation (OpenR)",
              make: { p, m in BestOfN(parameters: p.bestOfN, marker: m) }, parameters: { $0.bestOfN }),
        Entry(name: "beam", summary: "N samples per round, keep the top N/M by PRM, expand each M times (search-and-learn)",
              make: { p, _ in BeamSearch(parameters: p.beam) }, parameters: { $0.beam }),
        Entry(name: "dvts", summary: "N/M independent subtrees, each a greedy-by-PRM beam of width M (search-and-learn)",
              make: { p, _ in DVTS(parameters: p.dvts) }, parameters: { $0.dvts }),
        Entry(name: "mcts", summary: "PUCT with logprob priors, virtual loss, PRM/rollout/outcome leaf values (OpenR, AlphaZero)",
              make: { p, _ in MCTS(parameters: p.mcts) }, parameters: { $0.mcts }),
        Entry(name: "omegaprm", summary: "process labels: k-rollout MC estimates, binary search for the first error (OmegaPRM)",
              make: { p, m in OmegaPRM(parameters: p.omegaprm, marker: m) }, parameters: { $0.omegaprm }),
    ]

    /// The entry named `name`.
    /// - Throws: `CoreError` `.unknownStrategy` listing the known names.
    public static func entry(named name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw CoreError(.unknownStrategy, "unknown strategy '\(name)'; known: \(names.joined(separator: ", "))")
        }
        return e
    }

    /// All strategy names in table order.
    public static var names: [String] { entries.map(\.name) }
}
