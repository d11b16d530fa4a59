/// Everything a search run needs besides the generator, the evaluators and the problems.
public struct SearchConfiguration: Sendable {
    /// Strategy name from `StrategyRegistry`. Default `beam`.
    public var strategy: String = "beam"
    public var parameters = StrategyParameters()
    public var budget = SearchBudget()
    /// Sampling for every request except greedy ones (temperature 0). Default temperature 0.8
    /// (search-and-learn `temperature`).
    public var sampling = SamplingParameters(temperature: 0.8)
    /// Step delimiter. Default "\n" (one step per line, Countdown; OpenR and search-and-learn use "\n\n").
    public var stop: String = "\n"
    /// Tokens per step at most. Default 256.
    public var stepMaxTokens: Int = 256
    /// Steps per path at most; a path reaching it is cut (finished, truncated). Default 32.
    public var maxDepth: Int = 32
    /// Recognises the answer step (a path ends there) and extracts the answer.
    public var answerMarker: AnswerMarker?
    /// A node whose `ok` step score is ≤ 0 or below this threshold is pruned. Default 0.
    public var pruneBelow: Double = 0
    /// Run seed; every request's seed derives from it, the problem id and the node's lineage.
    public var seed: UInt64 = 0
    /// Problems searched at once. Default 32.
    public var concurrency: Int = 32
    /// Generator requests in flight over all trees; nil: the generator's `recommendedInFlight`.
    public var maxInFlight: Int?
    /// Requests per `generate` call at most. Default 64.
    public var maxBatch: Int = 64
    /// Pending expansions per tree at most (MCTS leaves in flight under virtual loss). Default 8.
    public var treeInFlight: Int = 8
    /// Check the tree's invariants after every integration (tests). Default false.
    public var checkInvariants = false

    public init() {}
}
