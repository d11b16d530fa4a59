/// Early rejection of partial steps ("Accelerating LLM Reasoning via Early Rejection with Partial
/// Reward Modeling", reference/papers.md §1.5): a PRM's score of a partly generated step predicts
/// the score of the whole step, so weak candidates can be dropped before they are finished.
///
/// Beam search and DVTS put it on their expansions (`Expansion.earlyRejection`); any strategy
/// may. An expansion that carries it is generated in two phases by `SearchSession`: first `tokens`
/// tokens of every sample; samples that ended within them are complete. The others (partial
/// candidates) are scored by the step verifiers as unfinished paths whose last step is the
/// partial text; those cut by `threshold` or `keep` are dropped, and each survivor is continued
/// to the step's end by a continuation request (one sample, its prefix the path plus the partial
/// text, `maxTokens` the step's remaining tokens). The children are the complete samples and the
/// continued survivors, in sample order; cut candidates never become nodes (the tree file holds
/// only whole steps) and are counted in `ProblemCost.earlyRejected`.
public struct EarlyRejection: Codable, Hashable, Sendable {
    /// Tokens K generated for each candidate before it is scored. Range 1...; partial reward
    /// modelling scores after a fixed prefix of the step (the paper uses a few dozen tokens).
    public var tokens: Int
    /// Keep at most this fraction of the partial candidates, the best by step score (rounded up,
    /// at least one). Range (0, 1]; nil: no fraction cut.
    public var keep: Double?
    /// Cut partial candidates whose step score is below this. Range [0, 1]; nil: no threshold.
    public var threshold: Double?

    public init(tokens: Int, keep: Double? = nil, threshold: Double? = nil) {
        self.tokens = tokens
        self.keep = keep
        self.threshold = threshold
    }

    /// Which partial candidates survive, given each one's step score (nil when no verifier
    /// reached an `ok` verdict: infrastructure failure never cuts a candidate). Candidates below
    /// `threshold` are cut; then, when `keep` is set, only the best `ceil(keep × count)` scored
    /// candidates stay (unscored survivors count against that quota first; ties go to the
    /// lower index).
    public func survivors(_ scores: [Double?]) -> [Bool] {
        var alive = scores.map { s in s.map { threshold == nil || $0 >= threshold! } ?? true }
        if let keep {
            let quota = max(1, Int((keep * Double(scores.count)).rounded(.up)))
            let unscored = scores.filter { $0 == nil }.count
            let ranked = scores.indices.filter { alive[$0] && scores[$0] != nil }
                .sorted { scores[$0]! != scores[$1]! ? scores[$0]! > scores[$1]! : $0 < $1 }
            for i in ranked.dropFirst(max(0, quota - unscored)) { alive[i] = false }
        }
        return alive
    }
}
