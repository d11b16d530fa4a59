import Foundation
@testable import StepTreeRuntime

/// Tiny random-weight models written as GGUF files in a temporary folder, for fast tests.
enum TinyModel {
    /// A byte-level BPE vocabulary: 256 GPT-2 byte tokens, a few merges, then `<s>`, `</s>`.
    static let merges = ["h e", "l l", "ll o", "he llo", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"]
    static var tokens: [String] {
        let bytes = (0..<256).map { String(ByteLevel.byteToUnicode[$0]) }
        return bytes + merges.map { $0.replacingOccurrences(of: " ", with: "") } + ["<s>", "</s>"]
    }
    static var bos: Int32 { Int32(tokens.count - 2) }
    static var eos: Int32 { Int32(tokens.count - 1) }

    struct Shape {
        var arch = "llama"
        var dim = 32
        var layers = 2
        var heads = 4
        var kvHeads = 2
        var ffn = 64
        var context = 128
        var type = TensorType.f32
        var tiedOutput = false
        var pre = "llama-bpe"
    }

    /// Writes a model with `shape` and weights from `seed`; returns its path.
    static func write(_ shape: Shape = .init(), seed: UInt64 = 1) throws -> String {
        var rng = SeededGenerator(seed: seed)
        func random(_ n: Int, scale: Float) -> [Float] {
            (0..<n).map { _ in Float(rng.unit() * 2 - 1) * scale }
        }
        let vocab = tokens.count
        let hd = shape.dim / shape.heads
        var w = TestGGUFWriter()
        let a = shape.arch
        w.set("general.architecture", .string(a))
        w.set("\(a).context_length", .u32(UInt32(shape.context)))
        w.set("\(a).embedding_length", .u32(UInt32(shape.dim)))
        w.set("\(a).block_count", .u32(UInt32(shape.layers)))
        w.set("\(a).feed_forward_length", .u32(UInt32(shape.ffn)))
        w.set("\(a).attention.head_count", .u32(UInt32(shape.heads)))
        w.set("\(a).attention.head_count_kv", .u32(UInt32(shape.kvHeads)))
        w.set("\(a).attention.layer_norm_rms_epsilon", .f32(1e-5))
        w.set("\(a).rope.freq_base", .f32(10000))
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string(shape.pre))
        w.set("tokenizer.ggml.tokens", .strings(tokens))
        w.set("tokenizer.ggml.token_type", .i32s(Array(repeating: 1, count: vocab - 2) + [3, 3]))
        w.set("tokenizer.ggml.merges", .strings(merges))
        w.set("tokenizer.ggml.bos_token_id", .u32(UInt32(bos)))
        w.set("tokenizer.ggml.eos_token_id", .u32(UInt32(eos)))
        w.set("tokenizer.ggml.add_bos_token", .bool(true))
        let t = shape.type
        w.add("token_embd.weight", dims: [shape.dim, vocab], type: t, values: random(shape.dim * vocab, scale: 1))
        for i in 0..<shape.layers {
            let p = "blk.\(i)."
            w.add(p + "attn_norm.weight", dims: [shape.dim], values: random(shape.dim, scale: 0.5).map { $0 + 1 })
            w.add(p + "attn_q.weight", dims: [shape.dim, shape.dim], type: t, values: random(shape.dim * shape.dim, scale: 0.3))
            w.add(p + "attn_k.weight", dims: [shape.dim, shape.kvHeads * hd], type: t, values: random(shape.dim * shape.kvHeads * hd, scale: 0.3))
            w.add(p + "attn_v.weight", dims: [shape.dim, shape.kvHeads * hd], type: t, values: random(shape.dim * shape.kvHeads * hd, scale: 0.3))
            if a == "qwen2" {
                w.add(p + "attn_q.bias", dims: [shape.dim], values: random(shape.dim, scale: 0.2))
                w.add(p + "attn_k.bias", dims: [shape.kvHeads * hd], values: random(shape.kvHeads * hd, scale: 0.2))
                w.add(p + "attn_v.bias", dims: [shape.kvHeads * hd], values: random(shape.kvHeads * hd, scale: 0.2))
            }
            w.add(p + "attn_output.weight", dims: [shape.dim, shape.dim], type: t, values: random(shape.dim * shape.dim, scale: 0.3))
            w.add(p + "ffn_norm.weight", dims: [shape.dim], values: random(shape.dim, scale: 0.5).map { $0 + 1 })
            w.add(p + "ffn_gate.weight", dims: [shape.dim, shape.ffn], type: t, values: random(shape.dim * shape.ffn, scale: 0.3))
            w.add(p + "ffn_up.weight", dims: [shape.dim, shape.ffn], type: t, values: random(shape.dim * shape.ffn, scale: 0.3))
            w.add(p + "ffn_down.weight", dims: [shape.ffn, shape.dim], type: t, values: random(shape.dim * shape.ffn, scale: 0.3))
        }
        w.add("output_norm.weight", dims: [shape.dim], values: random(shape.dim, scale: 0.5).map { $0 + 1 })
        if !shape.tiedOutput {
            w.add("output.weight", dims: [shape.dim, vocab], type: t, values: random(shape.dim * vocab, scale: 0.5))
        }
        let path = NSTemporaryDirectory() + "steptree-tiny-\(shape.arch)-\(t.name)-\(shape.tiedOutput)-\(seed)-\(UUID().uuidString).gguf"
        try w.write(to: path)
        return path
    }
}
