import StepTreeCore
import Testing
@testable import StepTreeRuntime

struct TreeKVCacheTests {
    func key(_ n: UInt32) -> SegmentKey { SegmentKey(problem: 0, node: n) }

    /// Resolves `tokens` under `parent` as the engine does, giving rows to the missing part.
    @discardableResult
    func add(_ cache: TreeKVCache, _ parent: TreeKVCache.Node, _ k: UInt32, _ tokens: [Int32]) throws -> TreeKVCache.Node? {
        let (node, computed) = try cache.resolve(parent: parent, key: key(k), tokens: tokens)
        cache.pin(node)
        if computed < tokens.count, cache.extend(node, with: tokens[computed...]) == nil { return nil }
        return node
    }

    @Test func nodesOwnTheirRowsAndContextFollowsAncestors() throws {
        let cache = TreeKVCache(store: KVStore(layers: 1, kvDim: 4, maxRows: 64))
        cache.beginBatch()
        let p = try #require(try add(cache, cache.root, 0, [1, 2, 3]))
        let a = try #require(try add(cache, p, 1, [4, 5]))
        #expect(a.start == 3)
        #expect(cache.contextRows(through: a) == p.rows + a.rows)
        // The same key and tokens again: fully cached.
        #expect(try cache.resolve(parent: p, key: key(1), tokens: [4, 5]).computed == 2)
        // Same key, different tokens: an error within the batch that used it, a replacement later.
        #expect(throws: RuntimeError.self) { try cache.resolve(parent: p, key: key(1), tokens: [4, 6]) }
        cache.beginBatch()
        #expect(try cache.resolve(parent: p, key: key(1), tokens: [4, 6]).computed == 0)
    }

    @Test func unkeyedSampleRowsAreAdoptedByTheMatchingStep() throws {
        let cache = TreeKVCache(store: KVStore(layers: 1, kvDim: 4, maxRows: 64))
        cache.beginBatch()
        let p = try #require(try add(cache, cache.root, 0, [1, 2, 3]))
        let sample = cache.sampleChild(of: p)
        _ = cache.extend(sample, with: [7, 8])  // the sample's tokens 7, 8, 9: 9 was never fed
        let (node, computed) = try cache.resolve(parent: p, key: key(5), tokens: [7, 8, 9])
        #expect(node === sample && computed == 2)
        // A step that only shares a first token with a sample leaves the sample alone.
        let other = cache.sampleChild(of: p)
        _ = cache.extend(other, with: [7, 1, 1])
        let (node2, computed2) = try cache.resolve(parent: p, key: key(6), tokens: [7, 2])
        #expect(node2 !== other && computed2 == 0 && other.rows.count == 3)
    }

    @Test func evictsLeastRecentlyUsedUnpinnedLeavesFirst() throws {
        let store = KVStore(layers: 1, kvDim: 4, maxRows: 10)
        let cache = TreeKVCache(store: store)
        cache.beginBatch()
        let p = try #require(try add(cache, cache.root, 0, [1, 2, 3]))
        try #require(try add(cache, p, 1, [4, 5]) != nil)
        try #require(try add(cache, p, 2, [6, 7]) != nil)
        cache.beginBatch()
        cache.pin(p)
        try #require(try add(cache, p, 1, [4, 5]) != nil)  // touches node 1; node 2 is now the oldest leaf
        cache.beginBatch()
        cache.pin(p)
        try #require(try add(cache, p, 3, [8, 9, 10, 11]) != nil)  // needs 4 rows, 3 free: evicts node 2
        #expect(cache.evictedRows == 2)
        #expect(try cache.resolve(parent: p, key: key(1), tokens: [4, 5]).computed == 2)
        #expect(try cache.resolve(parent: p, key: key(2), tokens: [6, 7]).computed == 0)
        // Everything pinned in this batch: no room, and nothing pinned is taken.
        #expect(try add(cache, p, 4, Array(repeating: 1, count: 8)) == nil)
        #expect(try cache.resolve(parent: p, key: key(3), tokens: [8, 9, 10, 11]).computed == 4)
    }

    @Test func releaseFreesWholeSubtrees() throws {
        let store = KVStore(layers: 1, kvDim: 4, maxRows: 64)
        let cache = TreeKVCache(store: store)
        cache.beginBatch()
        let p = try #require(try add(cache, cache.root, 0, [1, 2, 3]))
        let a = try #require(try add(cache, p, 1, [4, 5]))
        try #require(try add(cache, a, 2, [6]) != nil)
        try #require(try add(cache, p, 3, [7]) != nil)
        #expect(store.usedRows == 7)
        cache.release([key(1)])
        #expect(store.usedRows == 4)
        #expect(cache.statistics.nodes == 2)
        cache.release([key(0), key(99)])
        #expect(store.usedRows == 0 && cache.statistics.nodes == 0)
    }
}
