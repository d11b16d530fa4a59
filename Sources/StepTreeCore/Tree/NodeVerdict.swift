/// One verifier's verdict on one node, kept in the tree's verdict side table.
public struct NodeVerdict: Hashable, Sendable {
    /// The evaluator's name (from its capabilities), or "judge:<name>" for the final grading.
    public var evaluator: String
    /// Step (the node scored as a partial path) or outcome (the finished path judged).
    public var kind: EvaluationKind
    public var outcome: EvaluationOutcome

    public init(evaluator: String, kind: EvaluationKind, outcome: EvaluationOutcome) {
        self.evaluator = evaluator
        self.kind = kind
        self.outcome = outcome
    }
}
