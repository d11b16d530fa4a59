/// Final hidden states (after the output norm) at chosen positions of many token sequences, with
/// a token trie over the K/V rows so a prefix shared by several sequences, in one call or across
/// calls, is computed once. This is what a reward model's scoring head reads: a language model's
/// logits for a few tokens (`outputRow`) or an extra projection tensor.
///
/// The trie keeps every token it has computed (its K/V row and its hidden state) until the row
/// cap is reached; then it is emptied and refilled. Not thread-safe: one caller at a time.
public final class PrefixScorer {
    final class Node {
        var children: [Int32: Node] = [:]
        /// The token's row in the store (its K/V and its hidden state); -1 for a root.
        let row: Int32

        init(row: Int32) { self.row = row }
    }

    /// The model whose forward pass runs.
    public let model: LanguageModel
    /// Whether sequences share computed prefixes (`false`: each sequence is computed whole, for
    /// comparisons and benchmarks).
    public let reusesPrefixes: Bool
    /// Tokens run through the forward pass since creation.
    public private(set) var forwardTokens = 0
    private let store: KVStore
    private var root = Node(row: -1)
    /// `dim` floats per store row: the normed hidden state of the row's token.
    private var hidden: [Float] = []

    /// A scorer over `model` holding at most `maxRows` tokens.
    public init(model: LanguageModel, maxRows: Int = 1 << 16, reusesPrefixes: Bool = true) {
        self.model = model
        self.reusesPrefixes = reusesPrefixes
        store = KVStore(layers: model.config.layers, kvDim: model.config.kvDim, maxRows: maxRows)
    }

    /// Row `token` of the output projection (`dim` floats): its dot product with a hidden state
    /// is that token's logit.
    public func outputRow(_ token: Int32) -> [Float] {
        [Float](unsafeUninitializedCapacity: model.config.dim) { buffer, count in
            model.transformer.weights.output.row(Int(token), into: buffer.baseAddress!)
            count = model.config.dim
        }
    }

    /// For each sequence, the hidden states (`dim` floats each) at its `positions` (0-based token
    /// indices). All new tokens of all sequences go through one batched forward pass (split only
    /// when the row cap is reached).
    /// - Complexity: O(new tokens · params + attention over their contexts).
    public func hiddenStates(_ sequences: [[Int32]], at positions: [[Int]]) throws -> [[[Float]]] {
        guard sequences.count == positions.count else {
            throw RuntimeError(.request, "\(sequences.count) sequences but \(positions.count) position lists")
        }
        var results = [[[Float]]](repeating: [], count: sequences.count)
        var pending: [ForwardItem] = []
        var waiting: [(index: Int, root: Node)] = []
        func flush() {
            run(pending)
            pending = []
            for (i, root) in waiting { results[i] = collect(sequences[i], positions[i], from: root) }
            if !reusesPrefixes { for (_, root) in waiting { release(root) } }
            waiting = []
        }
        for (i, tokens) in sequences.enumerated() {
            try model.validate(tokens)
            guard !tokens.isEmpty else { throw RuntimeError(.request, "sequence \(i) is empty") }
            if let bad = positions[i].first(where: { $0 < 0 || $0 >= tokens.count }) {
                throw RuntimeError(.request, "position \(bad) is outside sequence \(i) of \(tokens.count) tokens")
            }
            guard tokens.count <= store.maxRows else {
                throw RuntimeError(.request, "sequence \(i) has \(tokens.count) tokens, more than the cache's \(store.maxRows) rows")
            }
            var root = reusesPrefixes ? self.root : Node(row: -1)
            var (node, context) = cached(tokens, from: root)
            if tokens.count - context.count > store.availableRows {
                flush()
                if reusesPrefixes {
                    release(self.root)
                    self.root = Node(row: -1)
                    root = self.root
                    (node, context) = (root, [])
                }
            }
            let new = Array(tokens[context.count...])
            if !new.isEmpty {
                let rows = store.allocate(new.count)!
                for (token, row) in zip(new, rows) {
                    let child = Node(row: row)
                    node.children[token] = child
                    node = child
                }
                pending.append(ForwardItem(tokens: new, startPosition: context.count, context: context, rows: rows, allLogits: true))
            }
            waiting.append((i, root))
        }
        flush()
        return results
    }

    /// Empties the trie, freeing every row.
    public func reset() {
        release(root)
        root = Node(row: -1)
    }

    /// The deepest node on `tokens`' path and the rows of the tokens up to it.
    private func cached(_ tokens: [Int32], from root: Node) -> (Node, [Int32]) {
        var node = root
        var rows: [Int32] = []
        for token in tokens {
            guard let child = node.children[token] else { break }
            rows.append(child.row)
            node = child
        }
        return (node, rows)
    }

    /// One forward pass over `items`, storing each token's hidden state at its row.
    private func run(_ items: [ForwardItem]) {
        guard !items.isEmpty else { return }
        let dim = model.config.dim
        let (states, count) = model.transformer.forwardHidden(items, cache: store)
        forwardTokens += count
        if hidden.count < store.capacity * dim { hidden += [Float](repeating: 0, count: store.capacity * dim - hidden.count) }
        let rows = items.flatMap(\.rows)
        for (k, row) in rows.enumerated() {
            hidden.withUnsafeMutableBufferPointer { h in
                states.withUnsafeBufferPointer { s in
                    (h.baseAddress! + Int(row) * dim).update(from: s.baseAddress! + k * dim, count: dim)
                }
            }
        }
    }

    private func collect(_ tokens: [Int32], _ positions: [Int], from root: Node) -> [[Float]] {
        let dim = model.config.dim
        var rows: [Int32] = []
        var node = root
        for token in tokens {
            node = node.children[token]!
            rows.append(node.row)
        }
        return positions.map { p in Array(hidden[Int(rows[p]) * dim..<(Int(rows[p]) + 1) * dim]) }
    }

    private func release(_ root: Node) {
        var stack = Array(root.children.values)
        root.children = [:]
        var rows: [Int32] = []
        while let n = stack.popLast() {
            rows.append(n.row)
            stack += n.children.values
        }
        store.free(rows)
    }
}
