import CStepTreeKernels
import Foundation

/// The shared building blocks every architecture's forward pass is made of (llama.cpp's
/// `build_norm` / `build_attn` / `build_ffn`): pre-norm attention with RoPE over cached rows,
/// and a pre-norm SwiGLU feed-forward, each added to the residual stream `s.x`.
extension Transformer {
    func attentionBlock(_ w: LayerWeights, _ s: Scratch, n: Int, spans: [(rows: UnsafePointer<Int32>, count: Int)],
                        writeRows: [Int32], keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let c = config
        Ops.rmsNorm(s.x, w.attnNorm, s.h, n: n, dim: c.dim, eps: c.rmsEps)
        matmul(s.h, w.wq, s.q, n: n, pool: pool)
        matmul(s.h, w.wk, s.k, n: n, pool: pool)
        matmul(s.h, w.wv, s.v, n: n, pool: pool)
        if let b = w.bq { Ops.addBias(s.q, b, n: n, dim: c.qDim) }
        if let b = w.bk { Ops.addBias(s.k, b, n: n, dim: c.kvDim) }
        if let b = w.bv { Ops.addBias(s.v, b, n: n, dim: c.kvDim) }
        Ops.rope(s.q, n: n, heads: c.heads, headDim: c.headDim, rotDim: c.ropeDims, cos: s.cos, sin: s.sin, style: c.ropeStyle)
        Ops.rope(s.k, n: n, heads: c.kvHeads, headDim: c.headDim, rotDim: c.ropeDims, cos: s.cos, sin: s.sin, style: c.ropeStyle)
        for (t, row) in writeRows.enumerated() {
            (keys + Int(row) * c.kvDim).update(from: s.k + t * c.kvDim, count: c.kvDim)
            (values + Int(row) * c.kvDim).update(from: s.v + t * c.kvDim, count: c.kvDim)
        }
        attend(s, n: n, spans: spans, keys: keys, values: values)
        matmul(s.att, w.wo, s.o, n: n, pool: pool)
        Ops.add(s.x, s.o, count: n * c.dim)
    }

    func feedForwardBlock(_ w: LayerWeights, _ s: Scratch, n: Int) {
        let c = config
        Ops.rmsNorm(s.x, w.ffnNorm, s.h, n: n, dim: c.dim, eps: c.rmsEps)
        matmul(s.h, w.gate, s.gate, n: n, pool: pool)
        matmul(s.h, w.up, s.up, n: n, pool: pool)
        Ops.swiGLU(s.gate, s.up, count: n * c.ffn)
        matmul(s.gate, w.down, s.o, n: n, pool: pool)
        Ops.add(s.x, s.o, count: n * c.dim)
    }

    /// Scaled dot-product attention of each token's queries over its span of cached rows, one
    /// pool task per token when the work is large enough to pay for handing it out.
    private func attend(_ s: Scratch, n: Int, spans: [(rows: UnsafePointer<Int32>, count: Int)],
                        keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let c = config
        let group = c.heads / c.kvHeads
        let scale = 1 / Float(c.headDim).squareRoot()
        let work = spans.reduce(0) { $0 + $1.count } * c.heads * c.headDim
        let perTask = work > 1 << 16 ? 1 : n
        pool.run(tasks: (n + perTask - 1) / perTask) { task, _ in
            let tokens = (task * perTask)..<min(n, (task + 1) * perTask)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: spans[tokens].map(\.count).max()!)
            defer { scores.deallocate() }
            for t in tokens {
                let (rows, count) = spans[t]
                for h in 0..<c.heads {
                    stk_attend(s.q + t * c.qDim + h * c.headDim, keys, values, rows, Int32(count), Int32(c.kvDim),
                               Int32((h / group) * c.headDim), Int32(c.headDim), scale, scores, s.att + t * c.qDim + h * c.headDim)
                }
            }
        }
    }
}
