/// One item for one evaluator, with where its verdict goes: the node it scores and the
/// expansion (the node's parent) waiting for it. Made by `SearchSession`, batched by the driver.
public struct EvaluationJob: Sendable {
    /// Position of the evaluator in the driver's list (`-1`: the judge).
    public var evaluator: Int
    public var kind: EvaluationKind
    public var node: NodeID
    /// The expanded node whose integration waits for this verdict (nil for the judge).
    public var expansion: NodeID?
    public var item: EvaluationItem
    /// Early rejection: the sample index of the partial candidate this item scores (its last
    /// step is the partial text, and `node` is the expanded node); nil for a node's verdict.
    public var partialSample: Int? = nil
}

/// What the session needs to know about an evaluator.
public struct EvaluatorRole: Hashable, Sendable {
    public var name: String
    public var kinds: Set<EvaluationKind>
    public init(name: String, kinds: Set<EvaluationKind>) {
        self.name = name
        self.kinds = kinds
    }
}
