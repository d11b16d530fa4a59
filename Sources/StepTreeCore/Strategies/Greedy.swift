/// Greedy decoding, step by step: one sample per step at temperature 0 until the path finishes
/// (the CoT baseline of OpenR's "greedy" method). A rejected step (pruned) ends the search.
public struct Greedy: SearchStrategy {
    /// Greedy has no parameters of its own; depth and step length come from the run.
    public struct Parameters: Codable, Hashable, Sendable {
        public init() {}
    }

    private var tip = NodeID.root
    private var done = false
    private var answer: NodeID?

    public init(parameters: Parameters = .init()) {}

    public mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion] {
        guard !done, limit > 0, tree.isOpenLeaf(tip) else { return [] }
        return [Expansion(node: tip, samples: 1, greedy: true)]
    }

    public mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree) {
        guard let next = tree.live(children).first else { done = true; return }
        if tree[next].flags.contains(.finished) {
            answer = next
            done = true
        } else {
            tip = next
        }
    }

    public func isComplete(_ tree: SearchTree) -> Bool { done }
    public func choose(in tree: SearchTree) -> NodeID? { answer }
}
