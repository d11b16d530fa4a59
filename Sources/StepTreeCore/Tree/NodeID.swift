/// Index of a node in a `SearchTree`'s arena. The root (the prompt) is node 0.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    init(index: Int) { self.rawValue = UInt32(truncatingIfNeeded: index) }

    /// The root node: the rendered prompt.
    public static let root = NodeID(0)
    /// Marks "no node" inside records (the root's parent, a leaf's first child).
    static let noneRaw = UInt32.max

    /// Position in the arena's arrays.
    @inline(__always) public var index: Int { Int(rawValue) }
    public var description: String { "#\(rawValue)" }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
}

/// State bits of a node.
public struct NodeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// This node's expansion is pending: its request is in flight, or its children were added
    /// (then it is also `expanded`) and wait for their verdicts before the strategy sees them.
    public static let expanding = NodeFlags(rawValue: 1 << 0)
    /// The node's children were added (possibly none: a dead end).
    public static let expanded = NodeFlags(rawValue: 1 << 1)
    /// The path ends here: end of sequence, the preset's answer marker, or the step length limit.
    public static let finished = NodeFlags(rawValue: 1 << 2)
    /// The step hit `maxTokens` before its delimiter (also `finished`: it is never continued).
    public static let truncated = NodeFlags(rawValue: 1 << 3)
    /// A step verifier rejected the node (or a strategy dropped it); it is never selected.
    public static let pruned = NodeFlags(rawValue: 1 << 4)
    /// Generating children failed (backend failure, or every sample was empty).
    public static let failed = NodeFlags(rawValue: 1 << 5)
    /// Created by an MCTS rollout rather than a tree expansion.
    public static let rollout = NodeFlags(rawValue: 1 << 6)
}
