import Foundation

/// One sequence of new tokens in a batched forward pass.
///
/// Token `j` sits at position `startPosition + j`, writes its keys and values to `rows[j]`, and
/// attends over `context` (the rows of everything before it, in position order) plus
/// `rows[0...j]`.
struct ForwardItem {
    var tokens: [Int32]
    var startPosition: Int
    var context: [Int32]
    var rows: [Int32]
    /// Return logits for every token (`true`) or only the last one.
    var allLogits = false
}

/// A decoder-only transformer over mapped weights. Stateless: the KV rows live in the `KVStore`
/// passed to `forward`, so one model serves every branch of every tree.
final class Transformer {
    let config: TransformerConfig
    let weights: TransformerWeights
    let matmul: Matmul
    /// Threads for the packed-weight products and attention (OpenBLAS has its own setting).
    let pool: ThreadPool
    private let inverseFrequencies: [Double]

    init(config: TransformerConfig, weights: TransformerWeights, matmul: Matmul = .blas, threads: Int = 1) {
        self.config = config
        self.weights = weights
        self.matmul = matmul
        pool = ThreadPool(threads: threads)
        let half = config.ropeDims / 2
        inverseFrequencies = (0..<half).map { i in
            let f = pow(config.ropeBase, -2 * Double(i) / Double(config.ropeDims)) / config.ropeLinearScale
            return weights.ropeFreqFactors.map { f / Double($0[i]) } ?? f
        }
    }

    /// Runs all items' tokens through the model as one batch (one matrix product per weight),
    /// writing their K/V rows into `cache`. Returns logits rows (`vocab` floats each): for each
    /// item in order, all of its tokens' rows or its last token's.
    /// - Complexity: O(T · params + Σ context) for T tokens in the batch.
    func forward(_ items: [ForwardItem], cache: KVStore) -> [Float] {
        let (hidden, rows) = forwardHidden(items, cache: cache)
        var logits = [Float](repeating: 0, count: rows * config.vocab)
        hidden.withUnsafeBufferPointer { h in
            logits.withUnsafeMutableBufferPointer { out in
                matmul(h.baseAddress!, weights.output, out.baseAddress!, n: rows, pool: pool)
            }
        }
        return logits
    }

    /// The forward pass up to the final norm: the normed hidden state (`dim` floats) of each row
    /// `forward` would return logits for, and the number of those rows.
    func forwardHidden(_ items: [ForwardItem], cache: KVStore) -> (hidden: [Float], rows: Int) {
        let c = config
        let n = items.reduce(0) { $0 + $1.tokens.count }
        guard n > 0 else { return ([], 0) }
        let s = Scratch(n: n, config: c)
        defer { s.release() }

        // Embeddings, RoPE angles and each token's attention span.
        var spans: [(rows: UnsafePointer<Int32>, count: Int)] = []
        var rowLists: [[Int32]] = []
        var writeRows: [Int32] = []
        var t = 0
        let half = c.ropeDims / 2
        for item in items {
            rowLists.append(item.context + item.rows)
            writeRows += item.rows
            for (j, token) in item.tokens.enumerated() {
                weights.embedding.row(Int(token), into: s.x + t * c.dim)
                let pos = Double(item.startPosition + j)
                for i in 0..<half {
                    let angle = pos * inverseFrequencies[i]
                    s.cos[t * half + i] = Float(Foundation.cos(angle))
                    s.sin[t * half + i] = Float(Foundation.sin(angle))
                }
                t += 1
            }
        }
        let rowBuffer = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, rowLists.reduce(0) { $0 + $1.count }))
        defer { rowBuffer.deallocate() }
        var at = 0
        for (item, list) in zip(items, rowLists) {
            (rowBuffer + at).update(from: list, count: list.count)
            for j in 0..<item.tokens.count { spans.append((UnsafePointer(rowBuffer + at), item.context.count + j + 1)) }
            at += list.count
        }

        for (l, layer) in weights.layers.enumerated() {
            attentionBlock(layer, s, n: n, spans: spans, writeRows: writeRows,
                           keys: cache.keys[l], values: cache.values[l])
            feedForwardBlock(layer, s, n: n)
        }

        // Final norm for the rows that want logits.
        var picked: [Int] = []
        t = 0
        for item in items {
            picked += item.allLogits ? Array(t..<(t + item.tokens.count)) : [t + item.tokens.count - 1]
            t += item.tokens.count
        }
        for (k, row) in picked.enumerated() { (s.h + k * c.dim).update(from: s.x + row * c.dim, count: c.dim) }
        Ops.rmsNorm(s.h, weights.outputNorm, s.h, n: picked.count, dim: c.dim, eps: c.rmsEps)
        return (Array(UnsafeBufferPointer(start: s.h, count: picked.count * c.dim)), picked.count)
    }
}
