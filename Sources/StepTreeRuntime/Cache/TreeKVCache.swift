import StepTreeCore

/// A KV cache shaped like the search tree: each node owns the K/V rows of its own tokens and
/// attends over its ancestors' rows, so a prefix shared by many branches is stored and computed
/// once.
///
/// Nodes are keyed by the search's `SegmentKey` (the prompt and each step). A sampled
/// continuation is kept as an unkeyed child of the node it continues; when the search later
/// sends that step back as a keyed segment, the node adopts those rows, so only the step's last
/// token (never fed while sampling) is computed. Released subtrees free their rows; when the
/// row cap is hit, least recently used unpinned leaves go first.
final class TreeKVCache {
    final class Node {
        weak var parent: Node?
        var children: [Node] = []
        var key: SegmentKey?
        /// Tokens whose rows this node owns (`rows[i]` holds `tokens[i]`).
        var tokens: [Int32] = []
        var rows: [Int32] = []
        /// Position of `tokens[0]`.
        let start: Int
        /// Logits after the last token, kept for the node a request ends at.
        var endLogits: [Float]?
        var lastUse: UInt64 = 0
        var pinnedEpoch: UInt64 = 0

        init(parent: Node?, key: SegmentKey?, start: Int) {
            self.parent = parent
            self.key = key
            self.start = start
        }

        var end: Int { start + tokens.count }
    }

    let store: KVStore
    let root = Node(parent: nil, key: nil, start: 0)
    private var byKey: [SegmentKey: Node] = [:]
    private var clock: UInt64 = 0
    private var epoch: UInt64 = 1
    /// Rows freed by the LRU policy (not by `release`) since creation.
    private(set) var evictedRows = 0

    init(store: KVStore) {
        self.store = store
    }

    /// Starts a batch: nodes pinned from now on cannot be evicted until the next batch.
    func beginBatch() { epoch += 1 }

    /// Marks `node` used now and not evictable during this batch.
    func pin(_ node: Node) {
        clock += 1
        node.lastUse = clock
        node.pinnedEpoch = epoch
    }

    /// The node for segment `key` with `tokens` under `parent`, and how many of its tokens
    /// already have rows. Reuses the keyed node when it matches; else adopts the longest unkeyed
    /// child (a sampled continuation) whose tokens all begin `tokens`; else makes a node. A
    /// sibling sample that merely shares a first few tokens is left alone: its own step may
    /// still come back for it.
    /// - Complexity: O(children · tokens).
    func resolve(parent: Node, key: SegmentKey, tokens: [Int32]) throws -> (node: Node, computed: Int) {
        if let node = byKey[key] {
            if node.parent === parent && node.tokens == tokens { return (node, tokens.count) }
            guard node.pinnedEpoch != epoch else {
                throw RuntimeError(.request, "segment (problem \(key.problem), node \(key.node)) has two different contents in one batch")
            }
            remove(node)
        }
        let candidates = parent.children.filter { $0.key == nil && !$0.tokens.isEmpty && tokens.starts(with: $0.tokens) }
        if let node = candidates.max(by: { $0.tokens.count < $1.tokens.count }) {
            node.key = key
            byKey[key] = node
            return (node, node.tokens.count)
        }
        let node = Node(parent: parent, key: key, start: parent.end)
        parent.children.append(node)
        byKey[key] = node
        return (node, 0)
    }

    /// A new unkeyed child of `parent` for a sampled continuation.
    func sampleChild(of parent: Node) -> Node {
        let node = Node(parent: parent, key: nil, start: parent.end)
        parent.children.append(node)
        pin(node)
        return node
    }

    /// Appends `tokens` to `node` with fresh rows, evicting unpinned LRU leaves when the cap is
    /// hit. Returns the rows, or nil when even eviction cannot make room.
    func extend(_ node: Node, with tokens: ArraySlice<Int32>) -> [Int32]? {
        guard makeRoom(tokens.count), let rows = store.allocate(tokens.count) else { return nil }
        node.tokens += tokens
        node.rows += rows
        node.endLogits = nil
        return rows
    }

    /// One row owned by the caller (who frees it through `store`), evicting if needed.
    func scratchRow() -> Int32? {
        guard makeRoom(1) else { return nil }
        return store.allocate(1)?.first
    }

    /// Rows of every token from the root to `node`, in position order.
    /// - Complexity: O(depth + tokens).
    func contextRows(through node: Node) -> [Int32] {
        var chain: [Node] = []
        var n: Node? = node
        while let current = n { chain.append(current); n = current.parent }
        return chain.reversed().flatMap(\.rows)
    }

    /// Frees the subtrees of these keys (a no-op for keys not cached).
    func release(_ keys: [SegmentKey]) {
        for key in keys { if let node = byKey[key] { remove(node) } }
    }

    /// Removes `node` and its subtree, freeing their rows.
    func remove(_ node: Node) {
        if let parent = node.parent { parent.children.removeAll { $0 === node } }
        var stack = [node]
        while let n = stack.popLast() {
            store.free(n.rows)
            if let key = n.key, byKey[key] === n { byKey[key] = nil }
            stack += n.children
            n.children = []
            n.parent = nil
        }
    }

    /// Nodes, rows and bytes held now.
    var statistics: (nodes: Int, rows: Int, bytes: Int) {
        var nodes = 0, logitBytes = 0
        var stack = root.children
        while let n = stack.popLast() {
            nodes += 1
            logitBytes += (n.endLogits?.count ?? 0) * MemoryLayout<Float>.size
            stack += n.children
        }
        return (nodes, store.usedRows, store.usedRows * store.bytesPerRow + logitBytes)
    }

    /// Evicts least recently used unpinned leaves until `count` rows can be allocated.
    private func makeRoom(_ count: Int) -> Bool {
        guard count > store.availableRows else { return true }
        var leaves: [Node] = []
        var stack = root.children
        while let n = stack.popLast() {
            if n.children.isEmpty && n.pinnedEpoch != epoch { leaves.append(n) }
            stack += n.children
        }
        // A min-heap would avoid re-sorting; evictions are rare next to forward passes.
        leaves.sort { $0.lastUse > $1.lastUse }
        while count > store.availableRows, let victim = leaves.popLast() {
            let parent = victim.parent
            evictedRows += victim.rows.count
            remove(victim)
            if let parent, parent !== root, parent.children.isEmpty, parent.pinnedEpoch != epoch {
                let index = leaves.firstIndex { $0.lastUse <= parent.lastUse } ?? leaves.count
                leaves.insert(parent, at: index)
            }
        }
        return count <= store.availableRows
    }
}
