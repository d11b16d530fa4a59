/// Activation buffers for one forward pass of `n` tokens (llama2.c's `RunState`).
final class Scratch {
    let x, h, q, k, v, att, o, gate, up, cos, sin: UnsafeMutablePointer<Float>

    init(n: Int, config c: TransformerConfig) {
        func buffer(_ width: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: max(1, n * width)) }
        x = buffer(c.dim); h = buffer(c.dim); o = buffer(c.dim)
        q = buffer(c.qDim); att = buffer(c.qDim)
        k = buffer(c.kvDim); v = buffer(c.kvDim)
        gate = buffer(c.ffn); up = buffer(c.ffn)
        cos = buffer(c.ropeDims / 2); sin = buffer(c.ropeDims / 2)
    }

    func release() {
        for p in [x, h, q, k, v, att, o, gate, up, cos, sin] { p.deallocate() }
    }
}
